import AtriumBrandConfig
import AtriumIdentity
import Hummingbird

/// The per-key rate limit of the brand API: one upsert into `api_rate_windows` per request,
/// counted in PostgreSQL so the limit holds across server processes. Over the brand's
/// `api.rate_limit_per_minute` → 429 with `Retry-After` (seconds to the window's end).
/// Runs after `APIKeyMiddleware`, whose principal names the key.
struct APIRateLimitMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let services: AppServices

    func handle(_ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response) async throws -> Response {
        guard let principal = APIPrincipal.current else { throw APIProblem.unauthorized() }
        let limit = context.tenant.config?.apiSettings.resolvedRateLimitPerMinute ?? TenantConfig.APISettings.defaultRateLimitPerMinute
        let hit = try await services.tenantDB.transaction(context.tenant.handle) { tx in try await APIRateWindows.hit(key: principal.key.id, in: tx) }
        if hit.exceeds(limit) { throw APIProblem.tooManyRequests(retryAfter: hit.secondsLeft) }
        return try await next(request, context)
    }
}
