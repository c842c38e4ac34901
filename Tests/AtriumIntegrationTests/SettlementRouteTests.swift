import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumLedger
import AtriumPartners
import AtriumStorage
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

@Suite("Settlement approvals screen and the IB wallet", .timeLimit(.minutes(3)))
struct SettlementRouteTests {
    static let dec6 = SettlementFixture.at("2026-12-06T08:00:00Z")

    static func staff(_ s: AppServices, _ tenant: TenantHandle, _ people: [(String, BuiltinRole)]) async throws -> [String: UUID] {
        let hash = try await s.authenticator.hasher.hash("staff-pass-1234")
        var ids: [String: UUID] = [:]
        for (email, role) in people {
            ids[email] = try await s.tenantDB.transaction(tenant) { tx in
                let id = try #require(try await Users.create(audience: .staff, email: email, name: email, passwordHash: hash, in: tx))
                try await RBAC.grant(role, to: id, in: tx)
                return id
            }
        }
        return ids
    }

    static func signIn(_ client: any TestClientProtocol, host: String, email: String) async throws -> FormClient {
        let web = FormClient(client, host: host)
        let r = try await web.post("/admin/login", ["email": email, "password": "staff-pass-1234"], csrfFrom: "/admin")
        #expect(r.status == .seeOther, "\(email) signs in")
        return web
    }

    @Test("Finance approves or rejects a settlement above the limit with a reason; others get 403; another brand gets 404; decisions are audited")
    func approvalsScreen() async throws {
        try await TestEnv.with("stlweb") { s in
            // setup
            _ = try await PortalTests.applyDemoBrands(s)
            let aurora = try #require(try await s.registry.tenant(slug: "aurora"))
            let kite = try #require(try await s.registry.tenant(slug: "kite"))
            let f = try await SettlementFixture.make(s, prefix: "stlweb", in: aurora)
            try await f.line(90_000, at: "2026-12-03T10:00:00Z", deal: 1)
            try await f.line(45_000, at: "2026-12-04T10:00:00Z", deal: 2)
            try await s.settlements.run(tenant: f.handle, program: SettlementFixture.program("daily"), now: Self.dec6)
            let queue = try await s.settlements.list(tenant: f.handle, statuses: [.awaitingApproval])
            #expect(queue.map(\.amount) == [90_000, 45_000])
            let (first, second) = (queue[0].id.uuidString.lowercased(), queue[1].id.uuidString.lowercased())
            let ids = try await Self.staff(s, aurora.handle, [("finance@aurora.test", .finance), ("sales@aurora.test", .sales), ("support@aurora.test", .support)])
            _ = try await Self.staff(s, kite.handle, [("finance@kite.test", .finance)])
            let app = buildApplication(services: s)
            try await app.test(.router) { client in
                // MUT + validate: who may see and decide
                let sales = try await Self.signIn(client, host: "aurora.localhost", email: "sales@aurora.test")
                let support = try await Self.signIn(client, host: "aurora.localhost", email: "support@aurora.test")
                #expect(try await sales.get("/admin/partners/settlements").status == .forbidden)
                #expect(try await support.get("/admin/partners/settlements").status == .forbidden)
                let salesApprove = try await sales.post("/admin/partners/settlements/\(first)/approve", [:], csrfFrom: "/admin")
                #expect(salesApprove.status == .forbidden)
                let finance = try await Self.signIn(client, host: "aurora.localhost", email: "finance@aurora.test")
                let page = try await finance.get("/admin/partners/settlements")
                #expect(page.status == .ok)
                #expect(page.body.contains(#"data-settlement="\#(first)""#))
                #expect(page.body.contains("900.00 USD"))
                #expect(page.body.contains("450.00 USD"))
                #expect(page.body.contains("ib@stlweb.test"))
                #expect(page.body.contains(#"href="/admin/partners/settlements""#), "the Back Office menu links the screen")
                let kiteFinance = try await Self.signIn(client, host: "kite.localhost", email: "finance@kite.test")
                #expect(try await kiteFinance.post("/admin/partners/settlements/\(first)/approve", [:], csrfFrom: "/admin").status == .notFound)
                #expect(!(try await kiteFinance.get("/admin/partners/settlements").body.contains("900.00")))
                // a rejection without a reason is refused, naming the field
                let noReason = try await finance.post("/admin/partners/settlements/\(second)/reject", ["reason": " "], csrfFrom: "/admin/partners/settlements")
                #expect(noReason.status == .badRequest)
                #expect(noReason.body.contains("Reason"))
                // approve the first, reject the second
                let approved = try await finance.post("/admin/partners/settlements/\(first)/approve", ["note": "volume checked"], csrfFrom: "/admin/partners/settlements")
                #expect(approved.status == .seeOther)
                #expect(approved.headers[.location] == "/admin/partners/settlements?done=settlement_approved")
                let rejected = try await finance.post("/admin/partners/settlements/\(second)/reject", ["reason": "wash trading"], csrfFrom: "/admin/partners/settlements")
                #expect(rejected.headers[.location] == "/admin/partners/settlements?done=settlement_rejected")
                let again = try await finance.post("/admin/partners/settlements/\(first)/approve", [:], csrfFrom: "/admin")
                #expect(again.status == .conflict)
                #expect(again.body.contains("already been decided"))
                let after = try await finance.get("/admin/partners/settlements")
                #expect(after.body.contains("wash trading"))
                #expect(after.body.contains("Paid to wallet"))
            }
            #expect(try await f.settlements() == ["2026-12-03 90000 1 posted", "2026-12-04 45000 1 rejected"])
            #expect(try await f.wallet().balance == 90_000)
            let finance = try #require(ids["finance@aurora.test"]).uuidString.lowercased()
            #expect(try await f.count("""
                SELECT count(*)::int FROM audit_log WHERE actor = \("staff:" + finance) AND request_id <> ''
                  AND action IN ('commission.settlement.approved', 'commission.settlement.rejected')
                """) == 2)
            try await f.expectConsistent()
        }
    }

    @Test("an IB withdraws from the commission wallet through the withdrawal flow and its rules; Finance sees and opens it")
    func ibWithdrawal() async throws {
        try await TestEnv.with("stlwd") { s in
            // setup: 120.00 USD settled to the IB's wallet
            _ = try await PortalTests.applyDemoBrands(s)
            let aurora = try #require(try await s.registry.tenant(slug: "aurora"))
            let hash = try await s.authenticator.hasher.hash("ib-pass-12345")
            let f = try await SettlementFixture.make(s, prefix: "stlwd", in: aurora, ibEmail: "ib@aurora.test", ibPasswordHash: hash)
            try await f.line(12_000, at: "2026-12-03T10:00:00Z", deal: 1)
            try await s.settlements.run(tenant: f.handle, program: SettlementFixture.program("daily", autoMax: 50_000), now: Self.dec6)
            #expect(try await f.wallet().balance == 12_000)
            _ = try await Self.staff(s, aurora.handle, [("finance@aurora.test", .finance)])
            let app = buildApplication(services: s)
            try await app.test(.router) { client in
                let ib = FormClient(client, host: "aurora.localhost")
                #expect(try await ib.get("/partners/wallet").status == .seeOther, "signed out")
                #expect(try await ib.post("/partners/login", ["email": "ib@aurora.test", "password": "ib-pass-12345"], csrfFrom: "/partners").status == .seeOther)
                #expect(try await ib.get("/partners/dashboard").body.contains(#"href="/partners/wallet""#), "the portal links the wallet")
                let page = try await ib.get("/partners/wallet")
                #expect(page.status == .ok)
                #expect(page.body.contains(#"<td class="num balance">120.00</td>"#))
                #expect(page.body.contains(#"value="sandbox-card""#))
                // MUT: more than the balance is refused by the ledger; 50.00 is accepted
                let tooMuch = try await ib.post("/partners/wallet/withdraw", ["method": "sandbox-card", "currency": "USD", "amount": "150", "idem": "w1"],
                                                csrfFrom: "/partners/wallet")
                #expect(tooMuch.status == .unprocessableContent)
                #expect(tooMuch.body.contains("Insufficient available balance"))
                let request = try await ib.post("/partners/wallet/withdraw", ["method": "sandbox-card", "currency": "USD", "amount": "50", "idem": "w2"],
                                                csrfFrom: "/partners/wallet")
                #expect(request.status == .seeOther)
                let location = try #require(request.headers[.location])
                #expect(location.hasPrefix("/partners/wallet/payments/"))
                // validate: the brand's rules sent it to review (the IB has no approved KYC), with the amount held
                let status = try await ib.get(location)
                #expect(status.status == .ok)
                #expect(status.body.contains(#"data-status="review""#))
                let held = try await ib.get("/partners/wallet")
                #expect(held.body.contains(#"<td class="num available">70.00</td>"#))
                let reasons = try await f.tx { tx in
                    try await tx.query("SELECT array_to_string(review_reasons, ',') FROM payments WHERE user_id = \(f.ibUser) AND kind = 'withdrawal'")
                        .collect().map { try $0.decode(String.self) }
                }
                #expect(reasons.count == 1)
                #expect(reasons.first?.contains("kyc_not_approved") == true)
                // the IB's session opens no trader page, and a trader's opens no IB wallet
                #expect(try await ib.get("/wallet").status == .seeOther)
                let trader = FormClient(client, host: "aurora.localhost")
                try await WalletRouteTests.register(trader, email: "pat@aurora.test")
                #expect(try await trader.get("/partners/wallet").status == .seeOther)
                #expect(try await trader.get(location.replacingOccurrences(of: "/partners/wallet/", with: "/wallet/")).status == .notFound)
                // Finance sees the IB's withdrawal in the queue and can open the IB's ledger from it
                let finance = try await Self.signIn(client, host: "aurora.localhost", email: "finance@aurora.test")
                let queue = try await finance.get("/admin/payments/withdrawals")
                #expect(queue.body.contains("ib@aurora.test"))
                let ledger = try await finance.get("/admin/clients/\(f.ibUser.uuidString.lowercased())/ledger")
                #expect(ledger.status == .ok)
                #expect(ledger.body.contains("ib_commission"))
                let paymentID = String(location.split(separator: "/").last ?? "")
                let approve = try await finance.post("/admin/payments/\(paymentID)/approve", [:], csrfFrom: "/admin/payments/withdrawals")
                #expect(approve.headers[.location] == "/admin/payments/withdrawals?done=withdrawal_approved")
            }
            #expect(try await f.count("SELECT count(*)::int FROM payments WHERE user_id = \(f.ibUser) AND status = 'approved' AND amount = 5000") == 1)
            #expect(try await f.wallet().available == 7_000)
            try await f.expectConsistent()
        }
    }
}
