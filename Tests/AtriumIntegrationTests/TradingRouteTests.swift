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
    @Test("transfer and open forms refuse bad input with a 4xx naming the problem; other brands and clients get 404; a platform outage says so")
    func routes() async throws {
        try await SandboxPlatformHarness.with { sandbox in
            try await TestEnv.with("trroutes", environment: TradeFixture.environment(sandbox)) { s in
                _ = try await PortalTests.applyDemoBrands(s)
                let aurora = try #require(try await s.registry.tenant(slug: "aurora"))
                let app = buildApplication(services: s)
                try await app.test(.router) { client in
                    let web = FormClient(client, host: "aurora.localhost")
                    #expect(try await web.get("/accounts").status == .seeOther)
                    try await WalletRouteTests.register(web, email: "route@aurora.test")
                    // before KYC: live refused with the reason, nothing opened
                    var open = try await web.post("/accounts/open", ["kind": "live", "type": "mt5-live/standard", "leverage": "100", "idem": "a1"], csrfFrom: "/accounts/open")
                    #expect(open.status == .unprocessableContent)
                    #expect(open.body.contains("Live accounts open once your verification is approved."))
                    let id = try await s.tenantDB.transaction(aurora.handle) { tx in
                        let id = try #require(try await tx.query("SELECT id FROM users WHERE email = 'route@aurora.test'").collect().first?.decode(UUID.self))
                        try await tx.query("UPDATE users SET kyc_status = 'approved', kyc_approved_at = now() WHERE id = \(id)")
                        let usd = Currency("USD")!
                        try await Ledger.transfer(id: UUID(), debit: try await Ledger.house(.adjustments, "t", currency: usd, in: tx),
                                                  credit: try await Ledger.wallet(user: id, currency: usd, in: tx), amount: 20_000, code: "test_funding", in: tx)
                        return id
                    }
                    for (fields, status, message) in [
                        (["kind": "live", "type": "mt5-live/vip", "leverage": "100"], HTTPResponse.Status.unprocessableContent, "Account type: choose one of the offered types."),
                        (["kind": "live", "type": "mt5-live/standard", "leverage": "500"], .unprocessableContent, "Leverage: choose one of the leverages offered"),
                        (["kind": "live", "type": "mt5-live/standard", "leverage": "lots"], .unprocessableContent, "Leverage: choose one of the leverages offered"),
                        (["kind": "gold", "type": "mt5-live/standard", "leverage": "100"], .badRequest, "live or demo"),
                        (["kind": "live", "type": "nonsense", "leverage": "100"], .unprocessableContent, "Account type"),
                    ] {
                        var f = fields
                        f["idem"] = UUID().uuidString
                        let r = try await web.post("/accounts/open", f, csrfFrom: "/accounts/open")
                        #expect(r.status == status, "\(fields)")
                        #expect(r.body.contains(message), "\(fields): \(message)")
                    }
                    #expect(try await WalletRouteTests.count(s, aurora.handle, "SELECT count(*)::int FROM trading_accounts") == 0)
                    open = try await web.post("/accounts/open", ["kind": "live", "type": "mt5-live/standard", "leverage": "100", "idem": "ok1"], csrfFrom: "/accounts/open")
                    #expect(open.status == .ok)
                    #expect(open.headers[.cacheControl] == "no-store")
                    let accountID = try #require(open.body.firstMatch(of: /href="\/accounts\/([0-9a-f-]{36})"/)?.1).description
                    let page = "/accounts/\(accountID)"
                    #expect(try await web.get(page).status == .ok)

                    for (fields, status, message) in [
                        (["amount": "0"], HTTPResponse.Status.badRequest, "must be more than zero"),
                        (["amount": "-5"], .badRequest, "enter a positive number"),
                        (["amount": "1.234"], .badRequest, "USD has at most 2 decimal places"),
                        (["amount": "abc<script>"], .badRequest, "enter a positive number"),
                        (["amount": "10", "direction": "sideways"], .badRequest, "choose to the account or to the wallet"),
                        (["amount": "500.00"], .unprocessableContent, "Insufficient available balance for this amount."),
                        (["amount": "50", "direction": "to_wallet"], .unprocessableContent, "more than the account"),
                    ] {
                        var f = ["direction": "to_account", "idem": UUID().uuidString]
                        f.merge(fields) { _, new in new }
                        let r = try await web.post(page + "/transfer", f, csrfFrom: page)
                        #expect(r.status == status, "\(fields)")
                        #expect(r.body.contains(message), "\(fields): \(message)")
                        #expect(!r.body.contains("PSQLError") && !r.body.contains("AL001"))
                    }
                    #expect(try await web.post(page + "/transfer", ["direction": "to_account", "amount": "10", "idem": "x"], csrf: false).status == .forbidden)
                    #expect(try await WalletRouteTests.count(s, aurora.handle, "SELECT count(*)::int FROM trading_transfers") == 0)
                    let ok = try await web.post(page + "/transfer", ["direction": "to_account", "amount": "25.00", "idem": "t1"], csrfFrom: page)
                    #expect(ok.status == .seeOther)
                    #expect(ok.headers[.location] == page + "?done=transfer_done")
                    let after = try await web.get(page + "?done=transfer_done")
                    #expect(after.body.contains("Transfer completed."))
                    #expect(after.body.contains(#"id="state-balance">25.00 USD"#))

                    // the platform goes down: the list says so and keeps the last known figures; a transfer moves nothing
                    try await sandbox.fault("*", "error", count: 0)
                    let list = try await web.get("/accounts")
                    #expect(list.status == .ok)
                    #expect(list.body.contains("The trading platform is temporarily unavailable."))
                    #expect(list.body.contains(#"<td class="num balance">25.00</td>"#))
                    #expect(list.body.contains("(last known figures)"))
                    let down = try await web.post(page + "/transfer", ["direction": "to_account", "amount": "10", "idem": "t2"], csrfFrom: page)
                    #expect(down.status == .serviceUnavailable)
                    #expect(down.body.contains("temporarily unavailable"))
                    try await sandbox.control("reset-faults")
                    #expect(try await WalletRouteTests.count(s, aurora.handle, "SELECT count(*)::int FROM trading_transfers WHERE state = 'posted'") == 1)
                    let wallet = try await s.tenantDB.transaction(aurora.handle) { tx in try await Ledger.wallet(user: id, currency: Currency("USD")!, in: tx) }
                    #expect(wallet.balance == 17_500)
                    #expect(wallet.debitsPending == 0)

                    // another client of the same brand, and the same id on another brand: 404, never the account
                    let other = FormClient(client, host: "aurora.localhost")
                    try await WalletRouteTests.register(other, email: "other@aurora.test")
                    #expect(try await other.get(page).status == .notFound)
                    #expect(try await other.post(page + "/transfer", ["direction": "to_wallet", "amount": "1", "idem": "o"], csrfFrom: "/accounts").status == .notFound)
                    let kite = FormClient(client, host: "kite.localhost")
                    try await WalletRouteTests.register(kite, email: "route@kite.test")
                    #expect(try await kite.get(page).status == .notFound)
                    // the trading screens speak the brand's language: Spanish on Kite, Arabic right-to-left on Meridian
                    #expect(try await kite.get("/accounts").body.contains("Cuentas de trading"))
                    #expect(try await kite.get("/accounts/open").body.contains("Abrir una cuenta de trading"))
                    let meridian = FormClient(client, host: "meridian.localhost")
                    try await WalletRouteTests.register(meridian, email: "route@meridian.test")
                    let arabic = try await meridian.get("/accounts/open")
                    #expect(arabic.body.contains("فتح حساب تداول"))
                    #expect(arabic.body.contains(#"dir="rtl""#))
                    #expect(arabic.body.contains(#"value="mt5-swapfree/swap-free""#))
                    // Aurora's cookie means nothing on Kite
                    let borrowed = FormClient(client, host: "kite.localhost")
                    borrowed.cookies = web.cookies
                    #expect(try await borrowed.get("/accounts").status == .seeOther)
                    // Kite's Back Office cannot open Aurora's account or client
                    let kiteStaff = FormClient(client, host: "kite.localhost")
                    #expect(try await kiteStaff.post("/admin/login", ["email": "admin@kite.test", "password": "admin-demo-pass"], csrfFrom: "/admin").status == .seeOther)
                    #expect(try await kiteStaff.get("/admin/trading/accounts/\(accountID)").status == .notFound)
                    #expect(try await kiteStaff.get("/admin/trading/clients/\(id.uuidString.lowercased())").status == .notFound)
                    #expect(try await kiteStaff.get("/admin/trading").status == .ok)
                    // Finance staff have no trading.manage
                    try await DemoSeed.upsertStaff(slug: "aurora", email: "finance@aurora.test", role: .finance, password: "finance-demo-pass", services: s)
                    let finance = FormClient(client, host: "aurora.localhost")
                    #expect(try await finance.post("/admin/login", ["email": "finance@aurora.test", "password": "finance-demo-pass"], csrfFrom: "/admin").status == .seeOther)
                    #expect(try await finance.get("/admin/trading").status == .forbidden)
                    #expect(try await finance.get("/admin/trading/accounts/\(accountID)").status == .forbidden)
                }
            }
        }
    }
}
