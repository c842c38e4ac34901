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
}
