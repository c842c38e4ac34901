import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumLedger
import AtriumPayments
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

@Suite("Wallet and finance screens", .timeLimit(.minutes(3)))
struct WalletRouteTests {
    static func register(_ web: FormClient, email: String) async throws {
        let r = try await web.post("/register", ["name": "Pat Trader", "email": email, "password": "long-enough-pass", "country": "GB", "accept_terms": "yes"])
        #expect(r.status == .seeOther)
    }

    static func count(_ s: AppServices, _ tenant: TenantHandle, _ sql: String) async throws -> Int {
        try await s.tenantDB.transaction(tenant) { tx in try await tx.query(PostgresQuery(unsafeSQL: sql)).collect().first?.decode(Int.self) ?? -1 }
    }

    @Test("deposit and withdrawal forms refuse bad amounts, currencies and methods with a 4xx naming the problem, writing nothing")
    func badInput() async throws {
        try await TestEnv.with("walletbad") { s in
            _ = try await PortalTests.applyDemoBrands(s)
            let aurora = try #require(try await s.registry.tenant(slug: "aurora"))
            let app = buildApplication(services: s)
            try await app.test(.router) { client in
                let anonymous = try await FormClient(client, host: "aurora.localhost").get("/wallet")
                #expect(anonymous.status == .seeOther)
                let web = FormClient(client, host: "aurora.localhost")
                try await Self.register(web, email: "pat@aurora.test")
                let page = try await web.get("/wallet")
                #expect(page.status == .ok)
                #expect(page.body.contains("No balances yet"))
                #expect(page.body.contains(#"value="sandbox-card""#))
                #expect(!page.body.contains(#"value="stripe-card""#))
                func deposit(_ fields: [String: String]) async throws -> (status: HTTPResponse.Status, body: String) {
                    var f = ["method": "sandbox-card", "currency": "USD", "amount": "100", "idem": UUID().uuidString]
                    f.merge(fields) { _, new in new }
                    let r = try await web.post("/wallet/deposit", f, csrfFrom: "/wallet")
                    return (r.status, r.body)
                }
                let cases: [([String: String], HTTPResponse.Status, String)] = [
                    (["amount": "0"], .badRequest, "must be more than zero"),
                    (["amount": "-5"], .badRequest, "enter a positive number like 100 or 100.50"),
                    (["amount": "12.345"], .badRequest, "USD has at most 2 decimal places"),
                    (["amount": "abc<script>"], .badRequest, "enter a positive number"),
                    (["amount": ""], .badRequest, "enter an amount"),
                    (["currency": "XYZ"], .unprocessableContent, "Choose a currency from the list."),
                    (["amount": "1000000"], .unprocessableContent, "not available for this amount"),
                    (["currency": "GBP"], .unprocessableContent, "not available for this amount"),
                    (["method": ""], .badRequest, "required"),
                    (["method": "nope"], .unprocessableContent, "not available"),
                ]
                for (fields, status, message) in cases {
                    let r = try await deposit(fields)
                    #expect(r.status == status, "\(fields)")
                    #expect(r.body.contains(message), "\(fields) says \(message)")
                    #expect(!r.body.contains("PSQLError") && !r.body.contains("ledger_"), "\(fields) leaks no internals")
                }
                let noCSRF = try await web.post("/wallet/deposit", ["method": "sandbox-card", "currency": "USD", "amount": "100", "idem": "x"], csrf: false)
                #expect(noCSRF.status == .forbidden)
                let poor = try await web.post("/wallet/withdraw", ["method": "sandbox-card", "currency": "USD", "amount": "100", "idem": "w1"], csrfFrom: "/wallet")
                #expect(poor.status == .unprocessableContent)
                #expect(poor.body.contains("Insufficient available balance"))
                let crypto = try await web.post("/wallet/withdraw", ["method": "crypto-usdt", "currency": "USD", "amount": "100", "idem": "w2"], csrfFrom: "/wallet")
                #expect(crypto.status == .unprocessableContent)
                #expect(crypto.body.contains("cannot pay out"))
                #expect(try await Self.count(s, aurora.handle, "SELECT count(*)::int FROM payments") == 0)
                #expect(try await Self.count(s, aurora.handle, "SELECT count(*)::int FROM ledger_transfers") == 0)
                // a bank wire shows the reference and bank details, and creates one payment even if the form is sent twice
                let idem = UUID().uuidString
                let wire = try await deposit(["method": "bank-wire", "amount": "250", "idem": idem])
                #expect(wire.status == .seeOther)
                let again = try await deposit(["method": "bank-wire", "amount": "250", "idem": idem])
                #expect(again.status == .seeOther)
                #expect(try await Self.count(s, aurora.handle, "SELECT count(*)::int FROM payments") == 1)
                let id = try await s.tenantDB.transaction(aurora.handle) { tx in try await tx.query("SELECT id FROM payments").collect().first!.decode(UUID.self) }
                let status = try await web.get("/wallet/payments/\(id.uuidString.lowercased())")
                #expect(status.body.contains("GB33 BUKB 2020 1555 5555 55"))
                #expect(status.body.contains(#"data-status="pending""#))
                // No sandbox listens in router mode: the card PSP does not answer, the client is told so,
                // and the next method that can take the deposit is preselected.
                let down = try await deposit(["method": "sandbox-card", "amount": "150"])
                #expect(down.status == .serviceUnavailable)
                #expect(down.body.contains("did not respond"))
                #expect(down.body.contains(#"value="crypto-usdt" checked"#))
                #expect(try await Self.count(s, aurora.handle, "SELECT count(*)::int FROM payments WHERE status = 'failed' AND failure_reason = 'psp_unavailable'") == 1)
            }
        }
    }

    @Test("Finance screens need the finance permission; maker-checker bank wire confirmation; one brand's payments are invisible to another")
    func financeScreens() async throws {
        try await TestEnv.with("walletadmin") { s in
            _ = try await PortalTests.applyDemoBrands(s)
            let aurora = try #require(try await s.registry.tenant(slug: "aurora"))
            let kite = try #require(try await s.registry.tenant(slug: "kite"))
            let hash = try await s.authenticator.hasher.hash("staff-pass-1234")
            for (tenant, email, role) in [(aurora, "support@aurora.test", BuiltinRole.support), (aurora, "finance@aurora.test", .finance),
                                          (kite, "finance@kite.test", .finance)] {
                try await s.tenantDB.transaction(tenant.handle) { tx in
                    let id = try #require(try await Users.create(audience: .staff, email: email, name: email, passwordHash: hash, in: tx))
                    try await RBAC.grant(role, to: id, in: tx)
                }
            }
            let app = buildApplication(services: s)
            try await app.test(.router) { client in
                let trader = FormClient(client, host: "aurora.localhost")
                try await Self.register(trader, email: "wire@aurora.test")
                let wire = try await trader.post("/wallet/deposit", ["method": "bank-wire", "currency": "USD", "amount": "7500", "idem": "k1"], csrfFrom: "/wallet")
                let paymentPath = try #require(wire.headers[.location])
                let paymentID = String(paymentPath.split(separator: "/").last!)
                let clientID = try await s.tenantDB.transaction(aurora.handle) { tx in
                    try await tx.query("SELECT user_id FROM payments").collect().first!.decode(UUID.self).uuidString.lowercased()
                }

                let support = FormClient(client, host: "aurora.localhost")
                _ = try await support.post("/admin/login", ["email": "support@aurora.test", "password": "staff-pass-1234"], csrfFrom: "/admin")
                for path in ["/admin/payments/withdrawals", "/admin/payments/deposits", "/admin/payments/psps", "/admin/payments/reconciliation",
                             "/admin/clients/\(clientID)/ledger"] {
                    #expect(try await support.get(path).status == .forbidden, "\(path)")
                }
                let finance = FormClient(client, host: "aurora.localhost")
                _ = try await finance.post("/admin/login", ["email": "finance@aurora.test", "password": "staff-pass-1234"], csrfFrom: "/admin")
                let deposits = try await finance.get("/admin/payments/deposits")
                #expect(deposits.status == .ok)
                #expect(deposits.body.contains("7500.00 USD"))
                let psps = try await finance.get("/admin/payments/psps")
                #expect(psps.body.contains(#"data-psp="sandbox-card""#))
                #expect(try await finance.get("/admin/payments/reconciliation").status == .ok)
                // 7,500.00 is above Aurora's 5,000.00 maker-checker threshold: one confirmation is not enough
                let first = try await finance.post("/admin/payments/\(paymentID)/confirm", [:], csrfFrom: "/admin/payments/deposits")
                #expect(first.status == .seeOther)
                #expect(first.headers[.location] == "/admin/payments/deposits?done=confirmation_recorded")
                let twice = try await finance.post("/admin/payments/\(paymentID)/confirm", [:], csrfFrom: "/admin/payments/deposits")
                #expect(twice.status == .conflict)
                #expect(twice.body.contains("A different person must give the second approval"))
                let admin = FormClient(client, host: "aurora.localhost")
                _ = try await admin.post("/admin/login", ["email": "admin@aurora.test", "password": "admin-demo-pass"], csrfFrom: "/admin")
                let second = try await admin.post("/admin/payments/\(paymentID)/confirm", [:], csrfFrom: "/admin/payments/deposits")
                #expect(second.headers[.location] == "/admin/payments/deposits?done=deposit_credited")
                let ledger = try await finance.get("/admin/clients/\(clientID)/ledger")
                #expect(ledger.body.contains("7500.00"))
                #expect(try await trader.get("/wallet").body.contains("7500.00"))
                #expect(try await trader.get("/").body.contains(#"<tr data-currency="USD"><td>USD</td><td class="num">7500.00</td>"#))
                let problems = try await s.tenantDB.transaction(aurora.handle) { tx in try await Ledger.verify(in: tx) }
                #expect(problems == [])

                // Kite's finance staff and Kite's host know nothing of Aurora's payment or client
                let kiteFinance = FormClient(client, host: "kite.localhost")
                _ = try await kiteFinance.post("/admin/login", ["email": "finance@kite.test", "password": "staff-pass-1234"], csrfFrom: "/admin")
                #expect(try await kiteFinance.get("/admin/clients/\(clientID)/ledger").status == .notFound)
                let foreign = try await kiteFinance.post("/admin/payments/\(paymentID)/confirm", [:], csrfFrom: "/admin")
                #expect(foreign.status == .notFound)
                #expect(!(try await kiteFinance.get("/admin/payments/deposits").body.contains("7500.00")))
                let kiteTrader = FormClient(client, host: "kite.localhost")
                try await Self.register(kiteTrader, email: "other@kite.test")
                let kiteWallet = try await kiteTrader.get("/wallet")
                #expect(kiteWallet.body.contains("Su monedero"))          // Kite is Spanish first
                #expect(kiteWallet.body.contains(#"value="sepa-wire""#))
                #expect(!kiteWallet.body.contains("7500.00"))
                #expect(try await kiteTrader.get(paymentPath).status == .notFound)
                // Aurora's trader cookie does not open Kite's wallet
                let crossCookie = FormClient(client, host: "kite.localhost")
                crossCookie.cookies = trader.cookies
                #expect(try await crossCookie.get("/wallet").status == .seeOther)
            }
        }
    }
}
