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

    /// The trader as the actor and subject of audit rows.
    var actor: String { "trader:\(user.id.uuidString.lowercased())" }
}

/// A Trader's Room request with a signed-in trader on a configured brand. Built from a brand
/// request that `TraderSession` let through; the initializer fails otherwise.
struct TraderRequestContext: AudienceContext {
    var coreContext: CoreRequestContextStorage
    let origin: RequestOrigin
    let tenant: TenantRecord
    /// The brand's configuration (traders register only on a configured brand).
    let brand: TenantConfig
    let trader: TraderPrincipal

    var site: Site { .brand(tenant) }

    init(context: BrandRequestContext) throws {
        guard let trader = context.trader else { throw HTTPError(.unauthorized) }
        guard let brand = context.tenant.config else { throw HTTPError(.notFound) }
        self.coreContext = context.coreContext
        self.origin = context.origin
        self.tenant = context.tenant
        self.brand = brand
        self.trader = trader
    }
}

/// Loads the trader behind the trader cookie (session and profile in one tenant transaction).
/// Signed out, it redirects to `/login`; with `required: false` (pages that also serve visitors)
/// it lets the request through without a trader.
struct TraderSession: AudienceSession {
    typealias Context = BrandRequestContext
    static var principal: WritableKeyPath<Context, TraderPrincipal?> { \.trader }
    let services: AppServices
    var required = true

    func load(_ request: Request, context: Context) async throws -> TraderPrincipal? {
        try await context.signedIn(.trader, request, services: services) { user, tx in
            try await Onboarding.profile(user: user.id, in: tx).map { TraderPrincipal(user: user, profile: $0) }
        }
    }

    func signedOut() -> Response { Responses.seeOther("/login") }
}

extension RouterMethods<BrandRequestContext> {
    /// A group of Trader's Room routes that need a signed-in trader. With `sharingTransaction`, its
    /// read-only pages run in one tenant transaction (`SharedTenantTransaction`): only for routes
    /// that call no outside service.
    func traders(_ services: AppServices, sharingTransaction: Bool = false) -> RouterGroup<TraderRequestContext> {
        let group = group()
        if sharingTransaction { group.add(middleware: SharedTenantTransaction(services: services)) }
        return group.add(middleware: TraderSession(services: services)).group(context: TraderRequestContext.self)
    }
}
