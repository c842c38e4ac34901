import AtriumIdentity
import Foundation
import AtriumTenancy
import Hummingbird

/// The context of a brand API request (`/api/v1` on a brand host): the brand the host resolved
/// to. No cookies and no CSRF: requests are authenticated by API key (`APIKeyMiddleware`).
struct APIRequestContext: AudienceContext {
    var coreContext: CoreRequestContextStorage
    let origin: RequestOrigin
    /// The brand this request was addressed to.
    let tenant: TenantRecord

    var site: Site { .brand(tenant) }

    /// Fails with a 404 unless the dispatcher resolved a brand for this request.
    init(context: AtriumRequestContext) throws {
        guard case .brand(let tenant) = context.site else { throw HTTPError(.notFound) }
        self.coreContext = context.coreContext
        self.origin = RequestOrigin(context)
        self.tenant = tenant
    }
}

/// Who is calling the brand API: the key (and so its scopes) and the brand. Set by
/// `APIKeyMiddleware` for the rest of the request; the generated handlers read it here because
/// their inputs carry only what the spec declares.
public struct APIPrincipal: Sendable {
    public let tenant: TenantRecord
    public let key: APIKey
    public let requestID: String
    public let clientIP: String

    @TaskLocal public static var current: APIPrincipal?

    /// The caller, when its key has `scope`: 401 without a key, 403 naming the scope otherwise.
    public static func require(_ scope: APIScope) throws -> APIPrincipal {
        guard let principal = current else { throw APIProblem.unauthorized() }
        guard principal.key.allows(scope) else { throw APIProblem.forbidden(scope: scope.rawValue) }
        return principal
    }

    /// The actor written to the audit log for what this key does.
    public var actor: String { "api_key:\(key.id.uuidString.lowercased())" }
}

/// Reads `Authorization: Bearer atr_…`, finds the live key in this brand's schema (a key of
/// another brand is simply not there: 401) and runs the rest of the request as that principal.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let services: AppServices

    func handle(_ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response) async throws -> Response {
        guard let token = Self.bearer(request.headers[.authorization]) else { throw APIProblem.unauthorized() }
        let key = try await services.tenantDB.transaction(context.tenant.handle) { tx in try await APIKeys.authenticate(token: token, in: tx) }
        guard let key else { throw APIProblem.unauthorized() }
        let principal = APIPrincipal(tenant: context.tenant, key: key, requestID: context.requestID, clientIP: context.clientIP)
        return try await APIPrincipal.$current.withValue(principal) { try await next(request, context) }
    }

    /// The token of an `Authorization: Bearer …` header (scheme case-insensitive), or nil.
    static func bearer(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty || token.count > 200 ? nil : token
    }
}
