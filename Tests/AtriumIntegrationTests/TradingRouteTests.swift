import AtriumBrandConfig
import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumLedger
import AtriumStorage
import AtriumTenancy
import AtriumTrading
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

@Suite("Trading screens: bad input, isolation, platform down", .timeLimit(.minutes(3)))
struct TradingRouteTests {
    /// What each case starts from: the demo brands, and a signed-in Aurora trader whose KYC is
    /// approved, with 200.00 USD in the wallet (before `body` opens an account, if it does).
    struct Fixture {
        let s: AppServices
        let sandbox: SandboxPlatformHarness
        let client: any TestClientProtocol
        let web: FormClient
        let aurora: TenantRecord
        let traderID: UUID
    }

    /// Runs `body` against a fresh database, sandbox platform and router with the fixture above;
    /// `beforeKYC` runs first, while the trader is still unverified.
    /// Only the demo brands a case needs are provisioned (`aurora` always): each costs tenant
    /// migrations and an Argon2 hash.
    static func with(_ name: String, brands: [String] = [], beforeKYC: @Sendable (FormClient) async throws -> Void = { _ in },
                     _ body: @Sendable (Fixture) async throws -> Void) async throws {
        try await SandboxPlatformHarness.with { sandbox in
            try await TestEnv.with(name, environment: TradeFixture.environment(sandbox)) { s in
                for brand in ["aurora"] + brands {
                    let config = try TenantConfig.testBrand(brand)
                    _ = try await s.provisioning.apply(config, actor: "test")
                    try await DemoSeed.setAdminPassword(slug: brand, email: config.admin.email, password: "admin-demo-pass", services: s)
                }
                let aurora = try #require(try await s.registry.tenant(slug: "aurora"))
                try await buildApplication(services: s).test(.router) { client in
                    let web = FormClient(client, host: "aurora.localhost")
                    try await WalletRouteTests.register(web, email: "route@aurora.test")
                    try await beforeKYC(web)
                    let id = try await s.tenantDB.transaction(aurora.handle) { tx in
                        let id = try #require(try await tx.query("SELECT id FROM users WHERE email = 'route@aurora.test'").collect().first?.decode(UUID.self))
                        try await tx.query("UPDATE users SET kyc_status = 'approved', kyc_approved_at = now() WHERE id = \(id)")
                        let usd = Currency("USD")!
                        try await Ledger.transfer(id: UUID(), debit: try await Ledger.house(.adjustments, "t", currency: usd, in: tx),
                                                  credit: try await Ledger.wallet(user: id, currency: usd, in: tx), amount: 20_000, code: "test_funding", in: tx)
                        return id
                    }
                    try await body(Fixture(s: s, sandbox: sandbox, client: client, web: web, aurora: aurora, traderID: id))
                }
            }
        }
    }

    /// Opens a live standard account at 1:100 through the form and returns its page path.
    static func openAccount(_ f: Fixture) async throws -> (id: String, page: String) {
        let open = try await f.web.post("/accounts/open", ["kind": "live", "type": "mt5-live/standard", "leverage": "100", "idem": "ok1"], csrfFrom: "/accounts/open")
        #expect(open.status == .ok)
        let accountID = try #require(open.body.firstMatch(of: /href="\/accounts\/([0-9a-f-]{36})"/)?.1).description
        return (accountID, "/accounts/\(accountID)")
    }
}
