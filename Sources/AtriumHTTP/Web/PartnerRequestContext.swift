import AtriumCore
import AtriumIdentity
import AtriumTenancy
import Hummingbird

/// The signed-in introducing broker of an IB Portal request.
struct PartnerPrincipal: Sendable {
    let user: SessionUser
}

/// An IB Portal request with a signed-in partner. Built from a brand request that
/// `PartnerSession` let through; the initializer fails otherwise.
struct PartnerRequestContext: AudienceContext {
    var coreContext: CoreRequestContextStorage
    let origin: RequestOrigin
    let tenant: TenantRecord
    let partner: PartnerPrincipal

    var site: Site { .brand(tenant) }

    init(context: BrandRequestContext) throws {
        guard let partner = context.partner else { throw HTTPError(.unauthorized) }
        self.coreContext = context.coreContext
        self.origin = context.origin
        self.tenant = context.tenant
        self.partner = partner
    }
}

/// Loads the partner behind the IB cookie. Signed out, it redirects to `/partners` (the sign-in
/// page); with `required: false` it lets the request through without a partner.
struct PartnerSession: AudienceSession {
    typealias Context = BrandRequestContext
    static var principal: WritableKeyPath<Context, PartnerPrincipal?> { \.partner }
    let services: AppServices
    var required = true

    func load(_ request: Request, context: Context) async throws -> PartnerPrincipal? {
        try await context.signedIn(.ib, request, services: services) { user, _ in PartnerPrincipal(user: user) }
    }

    func signedOut() -> Response { Responses.seeOther("/partners") }
}

extension RouterMethods<BrandRequestContext> {
    /// A group of IB Portal routes under `path` that need a signed-in partner.
    func partners(_ path: RouterPath = "", services: AppServices) -> RouterGroup<PartnerRequestContext> {
        group(path).add(middleware: PartnerSession(services: services)).group(context: PartnerRequestContext.self)
    }
}
