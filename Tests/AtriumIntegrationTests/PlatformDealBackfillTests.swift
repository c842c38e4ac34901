import AtriumCore
import AtriumHTTP
import AtriumLedger
import AtriumStorage
@testable import AtriumTrading
import Foundation
import PostgresNIO
import Testing

@Suite("Backfill of platform_deals by migration 0015", .timeLimit(.minutes(3)))
struct PlatformDealBackfillTests {
    @Test("deals synced before 0015 existed are read again into platform_deals after its cursor reset; no closed trade is stored twice")
    func backfillAfterMigration() async throws {
        // setup: a brand whose sync ran before 0015 existed: closed trades, opening sides and the cursor,
        // but no deals. Provisioning today writes columns later migrations add, so the brand is made on the
        // current schema and 0015's own backfill statement (read from the file) is what the test replays.
        try await SandboxPlatformHarness.with { sandbox in
            try await TestEnv.with("dealsfill", environment: TradeFixture.environment(sandbox)) { s in
                let a = try await MappedAccount.make(s, slug: "aurora", connection: "mt5-live", accountType: "standard", currency: "USD", leverage: 100)
                let script = try await sandbox.scriptedSequence(login: a.login)
                let platform = try s.trading.directory.platform(a.brand, connection: "mt5-live")
                var page = try await platform.deals(groups: ["real\\standard"], after: .start, limit: 5_000) { _ in Currency("USD") }
                page.deals = []
                try await s.tenantDB.transaction(a.handle) { tx in try await tx.query("INSERT INTO trading_sync (connection_id) VALUES ('mt5-live')") }
                let stored = try await s.trading.store(tenant: a.handle, connectionID: "mt5-live", page: page, currencies: [a.login: a.currency])
                #expect(stored == 1)
                let cursorBefore = try await cursorTicket(s, a)
                #expect(cursorBefore == script[1].deal)
                #expect(try await PlatformDealSyncTests.count(s, a.handle, "SELECT count(*) FROM platform_deals") == 0)

                // MUT: 0015's backfill step, then the next pass runs
                let sql = try String(contentsOfFile: TestCluster.repoRoot + "/migrations/tenant/0015_platform_deals.sql", encoding: .utf8)
                let reset = try #require(sql.split(separator: "\n").first { $0.hasPrefix("UPDATE trading_sync") })
                try await s.tenantDB.transaction(a.handle) { tx in try await tx.query(PostgresQuery(unsafeSQL: String(reset))) }
                #expect(try await cursorTicket(s, a) == 0, "0015 resets the cursor")
                let pass = try await s.trading.syncOnce(tenant: a.handle, brand: a.brand, connectionID: "mt5-live")

                // validate: every deal of the script is in platform_deals, the one closed trade is still one
                #expect(pass.deals == 0)
                let rows = try await StoredDeal.all(s, a.handle, connection: "mt5-live")
                #expect(rows.map(\.deal) == script.map(\.deal))
                #expect(rows.map(\.entry) == ["in", "out", "inout", "in", "out_by", "out_by"])
                #expect(rows.allSatisfy { $0.revision == 1 && $0.currency == "USD" })
                #expect(try await PlatformDealSyncTests.count(s, a.handle, "SELECT count(*) FROM trading_deals") == 1)
                #expect(try await PlatformDealSyncTests.count(s, a.handle, "SELECT deals_ingested::int FROM trading_sync") == 1)
                #expect(try await cursorTicket(s, a) == cursorBefore)
            }
        }
    }

    func tableExists(_ s: AppServices, _ a: MappedAccount, _ table: String) async throws -> Bool {
        try await s.tenantDB.transaction(a.handle) { tx in
            try await tx.query("SELECT to_regclass(\(table)) IS NOT NULL").collect().first?.decode(Bool.self) ?? false
        }
    }

    func cursorTicket(_ s: AppServices, _ a: MappedAccount) async throws -> Int64 {
        try await s.tenantDB.transaction(a.handle) { tx in
            try await tx.query("SELECT cursor_ticket FROM trading_sync WHERE connection_id = 'mt5-live'").collect().first?.decode(Int64.self) ?? -1
        }
    }
}
