import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumLedger
import AtriumTenancy
import AtriumTrading
import Foundation
import Hummingbird
import Testing

@Suite("Trading accounts in a real browser", .serialized, .timeLimit(.minutes(3)))
struct TradingBrowserTests {
    static let shots = TestCluster.repoRoot + "/.atrium/screenshots"

    @Test("a verified trader opens a live account, transfers in, sees the platform balance, transfers out; the Back Office sets read-only")
    func openAndTransfer() async throws {
        try await SandboxPlatformHarness.with { sandbox in
            try await TestEnv.with("tradebrowser", environment: TradeFixture.environment(sandbox)) { s in
                _ = try await PortalTests.applyDemoBrands(s)
                try await withLiveServer(s) { port in
                    try await ChromeDriver.withBrowser(width: 1280, height: 1100) { browser in try await Self.walk(browser, port: port, s: s) }
                }
            }
        }
    }

    static func walk(_ b: BrowserSession, port: Int, s: AppServices) async throws {
        func url(_ path: String) -> String { "http://aurora.localhost:\(port)\(path)" }
        func shot(_ name: String) async throws { _ = try await b.screenshot(to: "\(shots)/\(name).png") }
        let tenant = try #require(try await s.registry.tenant(slug: "aurora"))

        try await b.open(url("/register"))
        try await b.fill(["name": "Theo Trader", "email": "theo@example.test", "password": "a-long-password-3"], in: "#register-form")
        try await b.find("#register-form select[name=country]").selectOption(value: "GB")
        try await b.find("#register-form input[name=accept_terms]").click()
        try await b.submit("#register-form")
        _ = try await b.waitFor(css: "#logout-form", timeout: .seconds(20))

        // Before KYC approval only demo accounts can be opened.
        try await b.open(url("/accounts/open"))
        _ = try await b.waitFor(css: "#kyc-needed")
        #expect(try await b.find("#open-form input[name=kind][value=live]").property("disabled") == "true")
        try await shot("60-open-account-before-kyc")

        // Compliance approved the client and 500.00 arrived in the wallet (the KYC and payment flows have their own browser tests).
        try await s.tenantDB.transaction(tenant.handle) { tx in
            let id = try #require(try await tx.query("SELECT id FROM users WHERE email = 'theo@example.test'").collect().first?.decode(UUID.self))
            try await tx.query("UPDATE users SET kyc_status = 'approved', kyc_approved_at = now() WHERE id = \(id)")
            let usd = Currency("USD")!
            try await Ledger.transfer(id: UUID(), debit: try await Ledger.house(.adjustments, "browser-test", currency: usd, in: tx),
                                      credit: try await Ledger.wallet(user: id, currency: usd, in: tx), amount: 50_000, code: "test_funding", in: tx)
        }

        try await b.open(url("/accounts/open"))
        try await b.find("#open-form input[name=kind][value=live]").click()
        try await b.find("#open-type").selectOption(value: "mt5-live/standard")
        try await b.find("#open-leverage").selectOption(value: "100")
        try await shot("61-open-account-form")
        try await b.submit("#open-form")
        _ = try await b.waitFor(css: "#created-password", timeout: .seconds(20))
        let login = try await b.find("#created-login").text()
        #expect(try await b.find("#created-password").text().count == 12)
        #expect(try await b.find("#created-server").text() == "mt5-live")
        try await shot("62-account-created-password-once")

        try await b.find("#go-account").click()
        _ = try await b.waitFor(css: "#transfer-form", timeout: .seconds(20))
        try await b.fill(["amount": "120.00"], in: "#transfer-form")
        try await b.submit("#transfer-form")
        _ = try await b.waitFor(css: "#transfers tr[data-state=posted]", timeout: .seconds(20))
        #expect(try await b.find("#state-balance").text() == "120.00 USD")
        #expect(try await b.find("#wallet-available").text() == "380.00 USD")
        try await shot("63-transferred-in")

        // the platform itself says 120.00
        let brand = try #require(tenant.config)
        #expect(try await s.trading.directory.platform(brand, connection: "mt5-live").state(login: login, currency: Currency("USD")!).balance == 12_000)

        try await b.find("#transfer-form input[name=direction][value=to_wallet]").click()
        try await b.fill(["amount": "45.50"], in: "#transfer-form")
        try await b.submit("#transfer-form")
        _ = try await b.waitFor(css: "#transfers tr:nth-child(1)[data-state=posted]", timeout: .seconds(20))
        #expect(try await b.find("#state-balance").text() == "74.50 USD")
        #expect(try await b.find("#wallet-available").text() == "425.50 USD")

        // too much out: the free margin check names the problem, nothing moves
        try await b.find("#transfer-form input[name=direction][value=to_wallet]").click()
        try await b.fill(["amount": "1000"], in: "#transfer-form")
        try await b.submit("#transfer-form")
        _ = try await b.waitFor(css: ".alert-error", timeout: .seconds(20))
        #expect(try await b.pageSource().contains("free margin"))
        try await shot("64-transferred-out-and-refused")

        try await b.open(url("/accounts"))
        #expect(try await b.find("#accounts tr[data-login='\(login)'] .balance").text() == "74.50")
        try await shot("65-accounts-list")

        // Back Office: set the account read-only; the platform's read-back is shown.
        try await b.deleteCookies()
        try await b.open(url("/admin"))
        try await b.fill(["email": "admin@aurora.test", "password": "admin-demo-pass"], in: "#login-form")
        try await b.submit("#login-form")
        _ = try await b.waitFor(css: "a[href='/admin/trading']", timeout: .seconds(20))
        let accountID = try await s.tenantDB.transaction(tenant.handle) { tx in
            try #require(try await tx.query("SELECT id FROM trading_accounts WHERE login = \(login)").collect().first?.decode(UUID.self))
        }
        try await b.open(url("/admin/trading/accounts/\(accountID.uuidString.lowercased())"))
        try await b.find("#access-level").selectOption(value: "read_only")
        try await b.submit("#access-form")
        _ = try await b.waitFor(css: "#access-result[data-verified=true]", timeout: .seconds(20))
        #expect(try await b.find("#platform-access").attribute("data-access") == "read_only")
        try await shot("66-admin-read-only-verified")
        try await b.open(url("/admin/trading"))
        _ = try await b.waitFor(css: "#connections tr[data-connection=mt5-live][data-health=ok]")
        try await b.find("#run-reconciliation").click()
        _ = try await b.waitFor(css: "#recon-balanced", timeout: .seconds(20))
        #expect(try await b.find("#recon-matched").text() == "1")
        try await shot("67-admin-trading-reconciled")
    }
}
