import AtriumCore
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Hummingbird

/// A request on a brand host. The dispatcher resolved the tenant from the Host header, so it is
/// never optional here. The session middlewares (`TraderSession`, `StaffSession`,
/// `PartnerSession`) put the signed-in principal of their audience on it; the audience contexts
/// built from it require that principal.
struct BrandRequestContext: AudienceContext {
    var coreContext: CoreRequestContextStorage
    let origin: RequestOrigin
    /// The brand this request was addressed to.
    let tenant: TenantRecord
    /// The signed-in trader, once `TraderSession` found one.
    var trader: TraderPrincipal?
    /// The signed-in staff member, once `StaffSession` found one.
    var staff: StaffPrincipal?
    /// The signed-in IB, once `PartnerSession` found one.
    var partner: PartnerPrincipal?

    var site: Site { .brand(tenant) }

    /// Fails with a 404 unless the dispatcher resolved a brand for this request.
    init(context: AtriumRequestContext) throws {
        guard case .brand(let tenant) = context.site else { throw HTTPError(.notFound) }
        self.coreContext = context.coreContext
        self.origin = RequestOrigin(context)
        self.tenant = tenant
    }

    /// The user behind this request's `audience` cookie, with what `load` reads about them in the
    /// same transaction of this tenant; nil when signed out (no cookie, unknown or expired session).
    func signedIn<Principal: Sendable>(_ audience: Audience, _ request: Request, services: AppServices,
                                       load: (SessionUser, TenantTransaction) async throws -> Principal?) async throws -> Principal? {
        guard let token = request.cookies[audience.cookieName]?.value, !token.isEmpty else { return nil }
        return try await services.tenantDB.transaction(tenant.handle) { tx in
            guard let user = try await Sessions.user(token: token, audience: audience, in: tx) else { return nil }
            return try await load(user, tx)
        }
    }
}
