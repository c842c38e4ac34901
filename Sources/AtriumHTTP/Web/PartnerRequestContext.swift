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
struct PartnerRequestContext: ChildRequestContext, AtriumContext {
    var coreContext: CoreRequestContextStorage
    let tenant: TenantRecord
    let partner: PartnerPrincipal
    let requestID: String
    let clientIP: String
    let clientCountry: String?

    var site: Site { .brand(tenant) }
    var maxUploadSize: Int { 64 * 1024 }

    init(context: BrandRequestContext) throws {
        guard let partner = context.partner else { throw HTTPError(.unauthorized) }
        self.coreContext = context.coreContext
        self.tenant = context.tenant
        self.partner = partner
        self.requestID = context.requestID
        self.clientIP = context.clientIP
        self.clientCountry = context.clientCountry
    }
}

/// Loads the partner behind the IB cookie. Signed out, it redirects to `/partners` (the sign-in
/// page); with `required: false` it lets the request through without a partner.
struct PartnerSession: RouterMiddleware {
    typealias Context = BrandRequestContext
    let services: AppServices
    var required = true

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.partner = try await context.signedIn(.ib, request, services: services) { user, _ in PartnerPrincipal(user: user) }
        if required, context.partner == nil { return Responses.seeOther("/partners") }
        return try await next(request, context)
    }
}

extension RouterMethods<BrandRequestContext> {
    /// A group of IB Portal routes under `path` that need a signed-in partner.
    func partners(_ path: RouterPath = "", services: AppServices) -> RouterGroup<PartnerRequestContext> {
        group(path).add(middleware: PartnerSession(services: services)).group(context: PartnerRequestContext.self)
    }
}
