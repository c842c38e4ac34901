import AtriumCore
import AtriumHTTP
import AtriumStorage
import AtriumTenancy
import Foundation
import Synchronization
import Testing

@Suite("Migrations", .timeLimit(.minutes(3)))
struct MigrationTests {
    /// A private copy of migrations/ that a test may edit.
    static func copyMigrations() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-mig-\(UUID().uuidString)").path
        try FileManager.default.copyItem(atPath: TestCluster.repoRoot + "/migrations", toPath: dir)
        return dir
    }

    @Test("an edited, already-applied platform migration is refused with a clear error")
    func editedMigrationIsRefused() async throws {
        let dir = try Self.copyMigrations()
        try await TestEnv.with("migedit", migrations: dir) { s in
            let file = dir + "/platform/0001_registry.sql"
            try (String(contentsOfFile: file, encoding: .utf8) + "\n-- edited\n").write(toFile: file, atomically: true, encoding: .utf8)
            let edited = Migrator(database: s.database, migrations: try MigrationSet.load(root: dir))
            await #expect(throws: StorageError.migrationChecksumMismatch(scope: "platform", file: "0001_registry.sql")) {
                try await edited.migratePlatform()
            }
            #expect(try await edited.platformIsCurrent() == false)
        }
    }

    @Test("concurrent runs apply each platform migration once (advisory lock)")
    func concurrentRunsApplyOnce() async throws {
        try await TestEnv.with("miglock") { s in
            let migrator = Migrator(database: s.database, migrations: s.migrations)
            async let a = migrator.migratePlatform()
            async let b = migrator.migratePlatform()
            let (ra, rb) = try await (a, b)
            #expect(ra.isEmpty && rb.isEmpty) // TestEnv already migrated: nothing left, and no error
            let count = try await s.database.platform { conn in
                try await conn.query("SELECT count(*) FROM platform.schema_migrations", logger: s.logger).collect().first?.decode(Int.self)
            }
            #expect(count == s.migrations.platform.count)
        }
    }

    @Test("tenant migrations run over all tenants, report progress, and one failing tenant does not stop the rest")
    func tenantMigrationsAreResumable() async throws {
        let dir = try Self.copyMigrations()
        try await TestEnv.with("migten", migrations: dir) { s in
            var tenants: [TenantRecord] = []
            for i in 0..<5 { tenants.append(try await s.makeTenant("m\(i)")) }
            let victim = tenants[2].handle.schema.name
            try """
            ALTER TABLE users ADD COLUMN nickname text;
            DO $$ BEGIN IF current_schema() = '\(victim)' THEN RAISE EXCEPTION 'boom for this tenant'; END IF; END $$;
            """.write(toFile: dir + "/tenant/0900_nickname.sql", atomically: true, encoding: .utf8)
            let migrator = Migrator(database: s.database, migrations: try MigrationSet.load(root: dir))
            let lines = Mutex<[String]>([])
            let report = await migrator.migrateTenants(tenants.map(\.handle), concurrency: 3) { line in lines.withLock { $0.append(line) } }
            #expect(report.migrated.count == 4)
            #expect(report.failed.map(\.slug) == [tenants[2].handle.slug])
            let printed = lines.withLock { $0 }
            #expect(printed.count == 5)
            #expect(printed.contains { $0.range(of: #"^\[\d/5\] tenant_\w+ 0900 ok$"#, options: .regularExpression) != nil })
            #expect(printed.contains { $0.contains("\(victim) FAILED") && $0.contains("boom for this tenant") })
            // The failed tenant kept its old schema version: nothing was half-applied.
            let hasColumn = try await s.tenantDB.transaction(tenants[2].handle) { tx in
                try await tx.query("SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'nickname'").collect().first?.decode(Int.self)
            }
            #expect(hasColumn == 0)
            // Fix the file (never applied anywhere for that tenant) and resume: only the failed one migrates.
            try "ALTER TABLE users ADD COLUMN IF NOT EXISTS nickname text;\n".write(toFile: dir + "/tenant/0900_nickname.sql", atomically: true, encoding: .utf8)
            let fixed = Migrator(database: s.database, migrations: try MigrationSet.load(root: dir))
            // The four that applied the first version now have a different checksum recorded: refused, as it must be.
            let rerun = await fixed.migrateTenants([tenants[2].handle, tenants[0].handle], concurrency: 2) { _ in }
            #expect(rerun.migrated == [tenants[2].handle.slug])
            #expect(rerun.failed.first?.reason.contains("edited after it was applied") == true)
        }
    }
}
