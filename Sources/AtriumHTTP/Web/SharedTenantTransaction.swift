import Hummingbird

/// Runs a read-only page (GET or HEAD) in one tenant transaction: the session lookup and every
/// helper the handler calls join it (`TenantDB.sharing`) instead of each paying BEGIN, the tenant
/// entry and COMMIT. Added only to routes that call no outside service (a platform or a PSP), since
/// the connection stays leased until the page is rendered. Other methods pass through.
struct SharedTenantTransaction: RouterMiddleware {
    typealias Context = BrandRequestContext
    let services: AppServices

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head else { return try await next(request, context) }
        return try await services.tenantDB.sharing(context.tenant.handle) { try await next(request, context) }
    }
}
