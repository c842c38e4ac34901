import AtriumBrandAPI
import AtriumCompliance
import AtriumHTTP
import AtriumIdentity
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Wallets, ledger entries, payments and withdrawal requests through the brand API; a withdrawal
/// runs the Trader's Room's rules (hold, review rules, balance, freezes).
@Suite("Brand API: wallets, ledger entries, payments and withdrawals", .serialized, .timeLimit(.minutes(4)))
struct APIMoneyTests {
    typealias F = APIResourceFixture

    @Test("a client with 125.00 USD: wallets and entries show it as strings; another brand's host is 404; clients:read is 403 naming wallets:read")
    func wallets() async throws {
        let s = try await F.env.value
        let id = try await F.trader(s, "aurora", email: "wallet@api.test", funds: 12_500)
        let key = try await F.key(s, "aurora", [.walletsRead])
        let other = try await F.key(s, "aurora", [.clientsRead])
        let meridian = try await F.key(s, "meridian", [.walletsRead])
        try await buildApplication(services: s).test(.router) { client in
            let r = try await F.call(client, .get, "/api/v1/clients/\(id)/wallets", token: key)
            #expect(r.status == .ok)
            let page = try r.decode(AtriumBrandAPI.Components.Schemas.WalletPage.self)
            let wallet = try #require(page.data.first)
            #expect(page.data.count == 1)
            #expect(wallet.currency == "USD")
            #expect(wallet.balance == .init(amount: "125.00", currency: "USD"))
            #expect(wallet.available.amount == "125.00")
            #expect(wallet.held.amount == "0.00")
            let entries = try await F.call(client, .get, "/api/v1/wallets/\(wallet.id)/entries", token: key)
            #expect(entries.status == .ok)
            let rows = try entries.decode(AtriumBrandAPI.Components.Schemas.LedgerEntryPage.self).data
            #expect(rows.map(\.amount.amount) == ["125.00"])
            #expect(rows.first?.direction == .credit)
            #expect(rows.first?.kind == .posted)
            #expect(rows.first?.code == "test_funding")

            #expect(try await F.call(client, .get, "/api/v1/clients/\(id)/wallets", token: other).json["scope"] as? String == "wallets:read")
            #expect(try await F.call(client, .get, "/api/v1/clients/\(id)/wallets", host: "meridian.localhost", token: meridian).status == .notFound)
            #expect(try await F.call(client, .get, "/api/v1/wallets/\(wallet.id)/entries", host: "meridian.localhost", token: meridian).status == .notFound)
        }
    }

    @Test("POST withdrawal of 40.00 goes through the portal's rules: a hold of 40.00, status review for a new device; above the balance is 422 naming /amount; a frozen client is refused; payments:read is 403")
    func withdrawal() async throws {
        let s = try await F.env.value
        let id = try await F.trader(s, "aurora", email: "withdraw@api.test", funds: 12_500)
        let write = try await F.key(s, "aurora", [.paymentsWrite])
        let read = try await F.key(s, "aurora", [.paymentsRead, .walletsRead])
        let meridian = try await F.key(s, "meridian", [.paymentsRead, .paymentsWrite])
        try await buildApplication(services: s).test(.router) { client in
            let path = "/api/v1/clients/\(id)/withdrawals"
            let r = try await F.call(client, .post, path, token: write, body: ["amount": "40.00", "currency": "USD", "method": "sandbox-card"])
            #expect(r.status == .created)
            let payment = try r.decode(AtriumBrandAPI.Components.Schemas.Payment.self)
            #expect(payment.kind == .withdrawal)
            #expect(payment.amount == .init(amount: "40.00", currency: "USD"))
            #expect(payment.status == .review)
            #expect(payment.reviewReasons.contains("new_device"))
            #expect(payment.clientId == id.uuidString.lowercased())
            let wallet = try await F.call(client, .get, "/api/v1/clients/\(id)/wallets", token: read).data.first
            #expect((wallet?["held"] as? [String: Any])?["amount"] as? String == "40.00")
            #expect((wallet?["available"] as? [String: Any])?["amount"] as? String == "85.00")

            let over = try await F.call(client, .post, path, token: write, body: ["amount": "500.00", "currency": "USD", "method": "sandbox-card"])
            #expect(over.status == .unprocessableContent)
            #expect(over.pointers == ["/amount"])
            let method = try await F.call(client, .post, path, token: write, body: ["amount": "5.00", "currency": "USD", "method": "no-such-psp"])
            #expect(method.status == .unprocessableContent)
            #expect(method.pointers == ["/method"])
            let decimals = try await F.call(client, .post, path, token: write, body: ["amount": "5.001", "currency": "USD", "method": "sandbox-card"])
            #expect(decimals.pointers == ["/amount"])
            #expect(try await F.count(s, "aurora", "SELECT count(*)::int FROM payments WHERE user_id = '\(id)'") == 1)

            let aurora = try await F.tenant(s, "aurora")
            try await s.tenantDB.transaction(aurora.handle) { tx in
                _ = try await AccountFreezes.freeze(id, origin: .manual, reference: nil, reason: "test", actor: "test", in: tx)
            }
            let frozen = try await F.call(client, .post, path, token: write, body: ["amount": "10.00", "currency": "USD", "method": "sandbox-card"])
            #expect(frozen.status == .forbidden)
            #expect(frozen.json["type"] as? String == "https://atrium.dev/problems/account-frozen")
            #expect(try await F.count(s, "aurora", "SELECT count(*)::int FROM payments WHERE user_id = '\(id)'") == 1)

            let scoped = try await F.call(client, .post, path, token: read, body: ["amount": "10.00", "currency": "USD", "method": "sandbox-card"])
            #expect(scoped.status == .forbidden)
            #expect(scoped.json["scope"] as? String == "payments:write")
            #expect(try await F.call(client, .post, path, host: "meridian.localhost", token: meridian,
                                     body: ["amount": "10.00", "currency": "USD", "method": "sandbox-card"]).status == .notFound)

            let list = try await F.call(client, .get, "/api/v1/payments?client_id=\(id)&kind=withdrawal", token: read)
            #expect(list.status == .ok)
            #expect(list.data.map { $0["id"] as? String } == [payment.id])
            #expect(try await F.call(client, .get, "/api/v1/payments?client_id=\(id)&kind=deposit", token: read).data.count == 0)
            #expect(try await F.call(client, .get, "/api/v1/payments?client_id=\(id)&status=review", token: read).data.count == 1)
            #expect(try await F.call(client, .get, "/api/v1/payments?client_id=nope", token: read).pointers == ["client_id"])
            let one = try await F.call(client, .get, "/api/v1/payments/\(payment.id)", token: read)
            #expect(one.json["reference"] as? String == payment.reference)
            #expect(try await F.call(client, .get, "/api/v1/payments/\(payment.id)", host: "meridian.localhost", token: meridian).status == .notFound)
        }
    }
}
