import AtriumBrandConfig
import AtriumCore
import AtriumLedger
import AtriumStorage
import AtriumHTTP
import AtriumTrading
import Foundation
import PostgresNIO
import Testing

/// A deal as a sandbox `/control` trading call reports it.
struct ScriptedDeal: Decodable, Sendable {
    let deal: Int64
    let position: Int64
    let entry: Int
    let volumeExt: Int64
    let volumeClosedExt: Int64
    let commission: String
    let profit: String
    let timeMsc: Int64
}

/// A `platform_deals` row as the tests compare it.
struct StoredDeal: Equatable, Sendable, CustomStringConvertible {
    var deal: Int64
    var position: Int64
    var entry: String
    var side: String
    var volumeExt: Int64
    var closedVolumeExt: Int64
    var commission: Int64
    var profit: Int64
    var timeMsc: Int64
    var currency: String
    var status: String
    var revision: Int
    var seq: Int64

    var description: String { "\(deal) \(entry) \(side) v=\(volumeExt) closed=\(closedVolumeExt) c=\(commission) p=\(profit) t=\(timeMsc) \(currency) \(status)#\(revision) seq=\(seq)" }

    static func all(_ s: AppServices, _ handle: TenantHandle, connection: String) async throws -> [StoredDeal] {
        try await s.tenantDB.transaction(handle) { tx in
            var out: [StoredDeal] = []
            for try await r in try await tx.query("""
                SELECT deal, position_id, entry, side, volume_ext, closed_volume_ext, commission, profit, time_msc, currency, status, revision, seq
                FROM platform_deals WHERE connection_id = \(connection) ORDER BY deal
                """).decode((Int64, Int64, String, String, Int64, Int64, Int64, Int64, Int64, String, String, Int, Int64).self) {
                out.append(StoredDeal(deal: r.0, position: r.1, entry: r.2, side: r.3, volumeExt: r.4, closedVolumeExt: r.5, commission: r.6,
                                      profit: r.7, timeMsc: r.8, currency: r.9, status: r.10, revision: r.11, seq: r.12))
            }
            return out
        }
    }
}

extension SandboxPlatformHarness {
    /// Posts a scripted-trading control call and returns the deals it made.
    func trade(_ path: String, _ fields: [String: String]) async throws -> [ScriptedDeal] {
        struct Answer: Decodable { let deals: [ScriptedDeal] }
        let reply = try await control(path, body: fields)
        try #require(reply.status == 200, "\(path) answered \(reply.status): \(reply.body)")
        return try JSONDecoder().decode(Answer.self, from: Data(reply.body.utf8)).deals
    }

    /// Open 1.23456789 lots EURUSD buy at 1.10000, close 0.5 at 1.10100 (partial), reverse with a
    /// 1.0 lot sell at 1.10200 (INOUT), open 0.1 buy at 1.10300, then close the reversed sell by
    /// it (two OUT_BY). `lots` replaces the first volume (Match-Trader reports 1/10,000 lot).
    func scriptedSequence(login: String, lots: String = "1.23456789") async throws -> [ScriptedDeal] {
        let open = try await trade("open", ["login": login, "symbol": "EURUSD", "side": "buy", "volume": lots, "price": "1.10000"])
        let position = String(try #require(open.first).position)
        let partial = try await trade("close", ["login": login, "position": position, "volume": "0.5", "price": "1.10100"])
        let reversal = try await trade("reverse", ["login": login, "position": position, "volume": "1.0", "price": "1.10200"])
        let second = try await trade("open", ["login": login, "symbol": "EURUSD", "side": "buy", "volume": "0.1", "price": "1.10300"])
        let closeBy = try await trade("close-by", ["login": login, "position": position, "by": String(try #require(second.first).position)])
        return open + partial + reversal + second + closeBy
    }
}

/// A brand provisioned from `tenants/<slug>.yaml`, with a client's account opened on `connection`
/// through Atrium (so its login maps to a currency) and 10,000.00 put on it at the platform.
struct MappedAccount: Sendable {
    let brand: TenantConfig
    let handle: TenantHandle
    let login: String
    let currency: Currency

    static func make(_ s: AppServices, slug: String, connection: String, accountType: String, currency: String, leverage: Int) async throws -> MappedAccount {
        let brand = try TenantConfig.testBrand(slug)
        _ = try await s.provisioning.apply(brand, actor: "test")
        let tenant = try #require(try await s.registry.tenant(slug: slug))
        let client = try await TradeFixture.fundedTrader(s, tenant.handle, email: "deals@\(slug).test", kyc: true, funds: 0, currency: currency)
        let opened = try await s.trading.openAccount(tenant: tenant.handle, brand: brand, client: client, connectionID: connection, accountTypeID: accountType,
                                                     live: true, leverage: leverage, idempotencyKey: UUID().uuidString)
        let cur = try #require(Currency(currency))
        _ = try await s.trading.directory.platform(brand, connection: connection)
            .balance(login: opened.account.login, amount: 1_000_000, currency: cur, reference: "ATdeals-seed")
        return MappedAccount(brand: brand, handle: tenant.handle, login: opened.account.login, currency: cur)
    }
}
