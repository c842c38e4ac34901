import AtriumBrandAPI
import AtriumHTTP
import AtriumIdentity
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Trading accounts and transfers through the brand API, on the sandbox platform, through the
/// Trader's Room's own services.
@Suite("Brand API: trading accounts and transfers", .serialized, .timeLimit(.minutes(4)))
struct APITradingTests {
    typealias F = APIResourceFixture

    @Test("open a live account (201 with its login and password once), list and get it, move 25.00 to it (posted, wallet 75.00); bad leverage 422 /leverage; KYC missing 422 /kind; trading:read is 403 for writes")
    func accountsAndTransfers() async throws {
        let s = try await F.env.value
        let id = try await F.trader(s, "aurora", email: "trade@api.test", funds: 10_000)
        let unverified = try await F.trader(s, "aurora", email: "nokyc@api.test", kyc: false)
        let write = try await F.key(s, "aurora", [.tradingWrite, .tradingRead, .walletsRead])
        let read = try await F.key(s, "aurora", [.tradingRead])
        let meridian = try await F.key(s, "meridian", [.tradingRead, .tradingWrite])
        try await buildApplication(services: s).test(.router) { client in
            let open = try await F.call(client, .post, "/api/v1/clients/\(id)/trading-accounts", token: write,
                                        body: ["server": "mt5-live", "account_type": "standard", "kind": "live", "leverage": 100])
            #expect(open.status == .created)
            let opened = try open.decode(AtriumBrandAPI.Components.Schemas.TradingAccountOpened.self)
            #expect(opened.account.kind == .live)
            #expect(opened.account.leverage == 100)
            #expect(opened.account.currency == "USD")
            #expect(opened.account.group == "real\\standard")
            #expect(!opened.account.login.isEmpty)
            #expect((opened.password ?? "").count >= 8)
            let accountID = opened.account.id

            let badLeverage = try await F.call(client, .post, "/api/v1/clients/\(id)/trading-accounts", token: write,
                                               body: ["server": "mt5-live", "account_type": "standard", "kind": "live", "leverage": 7])
            #expect(badLeverage.status == .unprocessableContent)
            #expect(badLeverage.pointers == ["/leverage"])
            let kyc = try await F.call(client, .post, "/api/v1/clients/\(unverified)/trading-accounts", token: write,
                                       body: ["server": "mt5-live", "account_type": "standard", "kind": "live", "leverage": 100])
            #expect(kyc.status == .unprocessableContent)
            #expect(kyc.pointers == ["/kind"])
            let scoped = try await F.call(client, .post, "/api/v1/clients/\(id)/trading-accounts", token: read,
                                          body: ["server": "mt5-live", "account_type": "standard", "kind": "live", "leverage": 100])
            #expect(scoped.json["scope"] as? String == "trading:write")

            let list = try await F.call(client, .get, "/api/v1/trading-accounts?client_id=\(id)", token: read)
            #expect(list.data.map { $0["id"] as? String } == [accountID])
            #expect(try await F.call(client, .get, "/api/v1/trading-accounts/\(accountID)", token: read).json["login"] as? String == opened.account.login)
            #expect(try await F.call(client, .get, "/api/v1/trading-accounts/\(accountID)", host: "meridian.localhost", token: meridian).status == .notFound)

            let t = try await F.call(client, .post, "/api/v1/clients/\(id)/transfers", token: write,
                                     body: ["account_id": accountID, "direction": "to_account", "amount": "25.00"])
            #expect(t.status == .created)
            let transfer = try t.decode(AtriumBrandAPI.Components.Schemas.Transfer.self)
            #expect(transfer.state == .posted)
            #expect(transfer.amount == .init(amount: "25.00", currency: "USD"))
            let wallet = try await F.call(client, .get, "/api/v1/clients/\(id)/wallets", token: write).data.first
            #expect((wallet?["balance"] as? [String: Any])?["amount"] as? String == "75.00")
            let tooMuch = try await F.call(client, .post, "/api/v1/clients/\(id)/transfers", token: write,
                                           body: ["account_id": accountID, "direction": "to_account", "amount": "500.00"])
            #expect(tooMuch.status == .unprocessableContent)
            #expect(tooMuch.pointers == ["/amount"])
            let notTheirs = try await F.call(client, .post, "/api/v1/clients/\(unverified)/transfers", token: write,
                                             body: ["account_id": accountID, "direction": "to_account", "amount": "1.00"])
            #expect(notTheirs.pointers == ["/account_id"])
            let transfers = try await F.call(client, .get, "/api/v1/transfers?client_id=\(id)", token: read)
            #expect(transfers.data.map { $0["id"] as? String } == [transfer.id])
        }
    }
}
