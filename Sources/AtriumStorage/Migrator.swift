import Foundation
import Logging
import PostgresNIO

/// Applies numbered SQL migrations once, in order, under an advisory lock, checking checksums.
///
/// Locks are transaction-scoped (`pg_advisory_xact_lock`) so the runner works through PgBouncer
/// in transaction pooling mode; each migration commits on its own, so a crashed run resumes.
public struct Migrator: Sendable {
    public let database: Database
    public let migrations: MigrationSet
    /// Advisory lock key for platform migrations; tenant migrations lock on hashtext(schema).
    static let platformLockKey: Int64 = 0x41_54_52_49_55_4D

    public init(database: Database, migrations: MigrationSet) {
        self.database = database
        self.migrations = migrations
    }

    /// Applies pending platform migrations; returns the files applied.
    @discardableResult
    public func migratePlatform() async throws -> [String] {
        var applied: [String] = []
        try await bootstrapPlatform()
        for file in migrations.platform {
            let didApply = try await database.platform { conn in
                try await conn.query("SELECT pg_advisory_xact_lock(\(Self.platformLockKey))", logger: database.logger)
                return try await Self.apply(file, scope: "platform", on: conn, table: SQLTableName(schema: .platform, Self.migrationsTable), logger: database.logger)
            }
            if didApply { applied.append(file.name) }
        }
        return applied
    }

    /// True when every platform migration is applied with a matching checksum.
    public func platformIsCurrent() async throws -> Bool {
        let rows = try await database.platform { conn in
            try await conn.query("SELECT version, checksum FROM platform.schema_migrations", logger: database.logger)
                .collect().map { try $0.decode((Int, String).self) }
        }
        let recorded = Dictionary(uniqueKeysWithValues: rows)
        return migrations.platform.allSatisfy { recorded[$0.version] == $0.checksum }
    }

    /// Applies pending tenant migrations inside an open tenant transaction (used by provisioning
    /// and by `migrateTenant`). Returns the versions applied.
    public static func applyTenantMigrations(_ files: [MigrationFile], in tx: TenantTransaction) async throws -> [MigrationFile] {
        try await tx.query("SELECT pg_advisory_xact_lock(hashtext(\(tx.tenant.schema.name)))")
        try await tx.query("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())
            """)
        var applied: [MigrationFile] = []
        for file in files where try await apply(file, scope: tx.tenant.schema.name, on: tx.connection, table: SQLTableName(Self.migrationsTable), logger: tx.logger) {
            applied.append(file)
        }
        return applied
    }

    /// Applies one file unless already recorded; refuses a recorded file whose checksum changed.
    static func apply(_ file: MigrationFile, scope: String, on conn: PostgresConnection, table: SQLTableName, logger: Logger) async throws -> Bool {
        let recorded = try await conn.query("SELECT checksum FROM \(table) WHERE version = \(file.version)", logger: logger)
            .collect().first.map { try $0.decode(String.self) }
        if let recorded {
            guard recorded == file.checksum else { throw StorageError.migrationChecksumMismatch(scope: scope, file: file.name) }
            return false
        }
        for statement in SQLSplitter.statements(file.sql) {
            do {
                // Raw SQL text by design: the statements of a checksummed migration file.
                try await conn.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            } catch {
                throw StorageError.migrationFailed(scope: scope, file: file.name, reason: error.serverMessage ?? "\(error)")
            }
        }
        try await conn.query("INSERT INTO \(table) (version, name, checksum) VALUES (\(file.version), \(file.name), \(file.checksum))", logger: logger)
        return true
    }

    /// The table that records applied migrations, in the platform schema and in each tenant schema.
    static let migrationsTable = SQLIdentifier(constant: "schema_migrations")

    /// Creates the `platform` schema and its migration table so the first file can be recorded.
    private func bootstrapPlatform() async throws {
        try await database.client.withTransaction(logger: database.logger) { conn in
            try await conn.query("SELECT pg_advisory_xact_lock(\(Self.platformLockKey))", logger: database.logger)
            try await conn.query("CREATE SCHEMA IF NOT EXISTS platform", logger: database.logger)
            try await conn.query("REVOKE ALL ON SCHEMA platform FROM PUBLIC", logger: database.logger)
            try await conn.query("""
                CREATE TABLE IF NOT EXISTS platform.schema_migrations (
                    version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: database.logger)
        }
    }
}
