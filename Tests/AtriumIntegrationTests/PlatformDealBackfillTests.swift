import AtriumCore
import AtriumHTTP
import AtriumLedger
import AtriumStorage
@testable import AtriumTrading
import Foundation
import Testing

@Suite("Backfill of platform_deals by migration 0015", .timeLimit(.minutes(3)))
struct PlatformDealBackfillTests {
    @Test("deals synced before 0015 existed are read again into platform_deals after it; no closed trade is stored twice")
    func backfillAfterMigration() async throws {
        // setup: migrations as they were before 0015 (a copy without 0015 and later)
        let dir = try MigrationTests.copyMigrations()
        let later = try FileManager.default.contentsOfDirectory(atPath: dir + "/tenant").filter { ($0.prefix(4) as Substring) >= "0015" }
        let hold = dir + "-later"
        try FileManager.default.createDirectory(atPath: hold, withIntermediateDirectories: true)
        for file in later { try FileManager.default.moveItem(atPath: dir + "/tenant/" + file, toPath: hold + "/" + file) }
        try await SandboxPlatformHarness.with { sandbox in
            try await TestEnv.with("dealsfill", migrations: dir, environment: TradeFixture.environment(sandbox)) { s in
                let a = try await MappedAccount.make(s, slug: "aurora", connection: "mt5-live", accountType: "standard", currency: "USD", leverage: 100)
                let script = try await sandbox.scriptedSequence(login: a.login)
                #expect(try await tableExists(s, a, "platform_deals") == false)
                // what the sync before 0015 stored: closed trades, opening sides and the cursor (the page without its deals)
                let platform = try s.trading.directory.platform(a.brand, connection: "mt5-live")
                var page = try await platform.deals(groups: ["real\\standard"], after: .start, limit: 5_000) { _ in Currency("USD") }
                page.deals = []
                try await s.tenantDB.transaction(a.handle) { tx in try await tx.query("INSERT INTO trading_sync (connection_id) VALUES ('mt5-live')") }
                let stored = try await s.trading.store(tenant: a.handle, connectionID: "mt5-live", page: page, currencies: [a.login: a.currency])
                #expect(stored == 1)
                let cursorBefore = try await cursorTicket(s, a)
                #expect(cursorBefore == script[1].deal)

                // MUT: 0015 and later arrive, then the next pass runs
                for file in later { try FileManager.default.moveItem(atPath: hold + "/" + file, toPath: dir + "/tenant/" + file) }
                let report = await Migrator(database: s.database, migrations: try MigrationSet.load(root: dir)).migrateTenants([a.handle], concurrency: 1) { _ in }
                #expect(report.failed.isEmpty)
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
