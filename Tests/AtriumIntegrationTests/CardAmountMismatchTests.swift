import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumLedger
import AtriumPayments
import AtriumStorage
import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import NIOCore
import PostgresNIO
import Testing

/// Issue 10, defect 2: a card payment settles only at the amount and currency it was requested in.
@Suite("Card deposits settle only at the requested amount", .serialized, .timeLimit(.minutes(3)))
struct CardAmountMismatchTests {
    /// A Stripe `checkout.session.completed` for `reference`, signed with the brand's sandbox secret.
    static func completed(_ f: PayFixture, reference: String, amount: Int64, currency: String) -> (body: [UInt8], header: String) {
        let json = #"{"id":"evt_\#(UUID().uuidString)","type":"checkout.session.completed","data":{"object":{"id":"cs_x","amount_total":\#(amount),"currency":"\#(currency)","client_reference_id":"\#(reference)","payment_status":"paid"}}}"#
        let body = Array(json.utf8)
        return (body, StripeSignature.header(secret: f.sandboxSecret, timestamp: Int(Date().timeIntervalSince1970), body: body))
    }

    @Test("a 30.00 USD card deposit answered with amount_total 99999900 credits nothing and goes to Finance review")
    func inflatedAmount() async throws {
        try await TestEnv.with("mismatch1") { s in
            try await withLiveServer(s) { port in
                // setup
                let f = try await PayFixture.make(s, port: port)
                let (id, _) = try await f.startCard("30.00")
                let reference = try await f.payment(id).reference
                // MUT
                let reply = try await f.postCallback(Self.completed(f, reference: reference, amount: 99_999_900, currency: "usd"))
                // validate
                #expect(reply.status == 200)
                let p = try await f.payment(id)
                #expect(p.status == .review)
                #expect(p.reviewReasons == ["amount_mismatch"])
                #expect(p.settledAmount == nil)
                #expect(try await f.wallet().balance == 0)
                #expect(try await f.count("SELECT count(*)::int FROM ledger_transfers WHERE code = 'deposit'") == 0)
                let report = try await s.payments.reconciliation(tenant: f.handle, pspID: "sandbox-card")
                #expect(report.mismatches.map(\.reference) == [reference])
                #expect(report.mismatches.first?.pspAmount == 99_999_900)
                #expect(report.mismatches.first?.ledgerAmount == nil)
                #expect(report.ledgerTotal == 0)
                try await f.expectConsistent()
            }
        }
    }

    @Test("a card deposit answered in another currency credits nothing and goes to Finance review; the exact answer still credits")
    func otherCurrency() async throws {
        try await TestEnv.with("mismatch2") { s in
            try await withLiveServer(s) { port in
                // setup
                let f = try await PayFixture.make(s, port: port)
                let (wrong, _) = try await f.startCard("30.00")
                let (right, _) = try await f.startCard("30.00")
                // MUT
                let r1 = try await f.postCallback(Self.completed(f, reference: try await f.payment(wrong).reference, amount: 3_000, currency: "eur"))
                let r2 = try await f.postCallback(Self.completed(f, reference: try await f.payment(right).reference, amount: 3_000, currency: "usd"))
                // validate
                let statuses: [Int] = [r1.status, r2.status]
                #expect(statuses == [200, 200])
                let mismatched = try await f.payment(wrong)
                #expect(mismatched.status == .review)
                #expect(mismatched.reviewReasons == ["amount_mismatch"])
                let exact = try await f.payment(right)
                #expect(exact.status == .succeeded)
                #expect(exact.settledAmount == 3_000)
                #expect(try await f.wallet().balance == 3_000)
                try await f.expectConsistent()
            }
        }
    }

    @Test("the trader's payment page and history, Finance's deposits and reconciliation show the settled amount next to the requested one")
    func screens() async throws {
        try await TestEnv.with("mismatch3") { s in
            // setup: a trader with a 30.00 USD card deposit waiting for its callback
            _ = try await PortalTests.applyDemoBrands(s)
            let hash = try await s.authenticator.hasher.hash("staff-pass-1234")
            let app = buildApplication(services: s)
            try await app.test(.router) { client in
                let trader = FormClient(client, host: "aurora.localhost")
                try await WalletRouteTests.register(trader, email: "mismatch@aurora.test")
                let f0 = try await PayFixture.make(s, port: 0, email: "unused@aurora.test")
                let user = try await s.tenantDB.transaction(f0.handle) { tx in
                    let id = try #require(try await tx.query("SELECT id FROM users WHERE email = 'mismatch@aurora.test'").collect().first?.decode(UUID.self))
                    let staff = try #require(try await Users.create(audience: .staff, email: "finance@aurora.test", name: "Fin", passwordHash: hash, in: tx))
                    try await RBAC.grant(.finance, to: staff, in: tx)
                    try await tx.query("""
                        INSERT INTO payments (kind, user_id, psp_id, psp_type, currency, amount, status, reference, idempotency_key)
                        VALUES ('deposit', \(id), 'sandbox-card', 'sandbox', 'USD', 3000, 'created', 'D-MISMATCH01', 'k1'),
                               ('deposit', \(id), 'sandbox-card', 'sandbox', 'USD', 4500, 'created', 'D-EXACT00001', 'k2')
                        """)
                    return id
                }
                let f = PayFixture(s: s, tenant: f0.tenant, brand: f0.brand, client: PaymentClient(id: user, email: "mismatch@aurora.test", country: "GB", ip: "", userAgent: ""), port: 0)
                // MUT: one inflated answer, one exact answer
                for (reference, amount) in [("D-MISMATCH01", Int64(99_999_900)), ("D-EXACT00001", 4_500)] {
                    let event = Self.completed(f, reference: reference, amount: amount, currency: "usd")
                    let reply = try await client.execute(uri: "/psp/callback/sandbox-card", method: .post,
                                                         headers: [HTTPField.Name("Host")!: "aurora.localhost", HTTPField.Name("Stripe-Signature")!: event.header,
                                                                   .contentType: "application/json"],
                                                         body: ByteBuffer(bytes: event.body))
                    #expect(reply.status == .ok)
                }
                // validate: the trader sees 30.00 requested and nothing settled; the exact one settled at 45.00
                #expect(try await f.wallet().balance == 4_500)
                let mismatchID = try await s.tenantDB.transaction(f.handle) { tx in
                    try #require(try await tx.query("SELECT id FROM payments WHERE reference = 'D-MISMATCH01'").collect().first?.decode(UUID.self))
                }
                let page = try await trader.get("/wallet/payments/\(mismatchID.uuidString.lowercased())")
                #expect(page.body.contains(#"Requested: <span class="num">30.00 USD</span> · Settled: <span class="num settled">—</span>"#))
                #expect(page.body.contains(#"data-status="review""#))
                let wallet = try await trader.get("/wallet")
                #expect(wallet.body.contains(#"<td class="num">30.00 USD</td><td class="num settled">—</td><td><span class="badge status-review">In review</span>"#))
                #expect(wallet.body.contains(#"<td class="num">45.00 USD</td><td class="num settled">45.00 USD</td><td><span class="badge status-succeeded">"#))
                #expect(!wallet.body.contains("999999.00"))
                let finance = FormClient(client, host: "aurora.localhost")
                _ = try await finance.post("/admin/login", ["email": "finance@aurora.test", "password": "staff-pass-1234"], csrfFrom: "/admin")
                let deposits = try await finance.get("/admin/payments/deposits")
                #expect(deposits.body.contains(#"<td class="num">30.00 USD</td><td class="num settled">—<br><span class="small psp-reported">Provider reported: 999999.00 USD</span></td>"#))
                #expect(deposits.body.contains(#"data-reason="amount_mismatch">Provider reported another amount or currency</span>"#))
                let reconciliation = try await finance.get("/admin/payments/reconciliation")
                #expect(reconciliation.body.contains(#"<tr data-reference="D-MISMATCH01"><td><code>D-MISMATCH01</code></td><td class="num">30.00 USD</td><td class="num">999999.00</td><td class="num">—</td><td><span class="badge status-review">In review</span> <span class="badge review-reason" data-reason="amount_mismatch">"#))
                #expect(!reconciliation.body.contains("D-EXACT00001"))
                #expect(reconciliation.body.contains("Differences"))
                try await f.expectConsistent()
            }
        }
    }
}
