import AtriumBrandConfig
import AtriumCore
import AtriumIdentity
import AtriumKYC
import AtriumTenancy
import Hummingbird

/// The signed-in trader of a Trader's Room request, with their client profile (country, KYC
/// status, language) read in the same transaction as the session.
struct TraderPrincipal: Sendable {
    let user: SessionUser
    let profile: ClientProfile
}

/// A Trader's Room request with a signed-in trader on a configured brand. Built from a brand
/// request that `TraderSession` let through; the initializer fails otherwise.
struct TraderRequestContext: ChildRequestContext, AtriumContext {
    var coreContext: CoreRequestContextStorage
    let tenant: TenantRecord
    /// The brand's configuration (traders register only on a configured brand).
    let brand: TenantConfig
    let trader: TraderPrincipal
    let requestID: String
    let clientIP: String
    let clientCountry: String?

    var site: Site { .brand(tenant) }
    var maxUploadSize: Int { 64 * 1024 }

    init(context: BrandRequestContext) throws {
        guard let trader = context.trader else { throw HTTPError(.unauthorized) }
        guard let brand = context.tenant.config else { throw HTTPError(.notFound) }
        self.coreContext = context.coreContext
        self.tenant = context.tenant
        self.brand = brand
        self.trader = trader
        self.requestID = context.requestID
        self.clientIP = context.clientIP
        self.clientCountry = context.clientCountry
    }
}

/// Loads the trader behind the trader cookie (session and profile in one tenant transaction).
/// Signed out, it redirects to `/login`; with `required: false` (pages that also serve visitors)
/// it lets the request through without a trader.
struct TraderSession: RouterMiddleware {
    typealias Context = BrandRequestContext
    let services: AppServices
    var required = true

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.trader = try await context.signedIn(.trader, request, services: services) { user, tx in
            try await Onboarding.profile(user: user.id, in: tx).map { TraderPrincipal(user: user, profile: $0) }
        }
        if required, context.trader == nil { return Responses.seeOther("/login") }
        return try await next(request, context)
    }
}

extension RouterMethods<BrandRequestContext> {
    /// A group of Trader's Room routes that need a signed-in trader.
    func traders(_ services: AppServices) -> RouterGroup<TraderRequestContext> {
        group().add(middleware: TraderSession(services: services)).group(context: TraderRequestContext.self)
    }
}
