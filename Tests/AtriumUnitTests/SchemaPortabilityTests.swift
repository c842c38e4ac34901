import Testing

/// The schema stays ready for Citus schema-based sharding (docs/OPERATIONS.md, "Past one database"):
/// a tenant schema must be movable to a node of its own, so no tenant table may reference a platform
/// table by foreign key, and no SQL may name (let alone join) tenant schemas other than through search_path.
@Suite("Schema portability: tenant schemas stay shardable")
struct SchemaPortabilityTests {
    @Test("the checks catch a deliberately bad sample and pass a good one")
    func badSampleFails() {
        // setup
        let badMigration = """
            CREATE TABLE orders (id uuid PRIMARY KEY, tenant uuid NOT NULL REFERENCES platform.tenants (id));
            ALTER TABLE notes ADD CONSTRAINT notes_op FOREIGN KEY (op) REFERENCES "platform"."operators" (id);
            CREATE VIEW both_users AS SELECT a.email FROM tenant_aurora.users a JOIN tenant_kite.users k USING (email);
            """
        let badSwift = """
            let rows = try await tx.query(PostgresQuery(unsafeSQL: "SELECT email FROM \\(other.handle.schema.quoted).users"))
            let t = SQLTableName(schema: record.handle.schema, SQLIdentifier(constant: "users"))
            """
        let goodMigration = """
            -- Wakes a worker through platform.jobs (a comment, not SQL).
            CREATE TABLE notes (id uuid PRIMARY KEY, user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE);
            """
        // MUT
        let tenant = SQLPortability.findings(SQLPortability.tenantMigrationRules, in: badMigration, file: "0099_bad.sql")
        let schemas = SQLPortability.findings(SQLPortability.tenantSchemaRules, in: badMigration, file: "0099_bad.sql")
        let swift = SQLPortability.findings(SQLPortability.tenantSchemaRules, in: badSwift, file: "Bad.swift")
        let good = SQLPortability.findings(SQLPortability.tenantMigrationRules + SQLPortability.tenantSchemaRules, in: goodMigration, file: "0100_good.sql")
        // validate
        #expect(tenant.map { $0.split(separator: ":").prefix(3).joined(separator: ":") }
                == ["0099_bad.sql:1: foreign key to a table outside the tenant schema", "0099_bad.sql:1: tenant SQL names a platform table",
                    "0099_bad.sql:2: foreign key to a table outside the tenant schema", "0099_bad.sql:2: tenant SQL names a platform table"])
        #expect(schemas.count == 1 && schemas[0].hasPrefix("0099_bad.sql:3: qualified name in a tenant schema"))
        #expect(swift.count == 2)
        #expect(swift.first?.hasPrefix("Bad.swift:1: table qualified by an interpolated tenant schema") == true)
        #expect(swift.last?.hasPrefix("Bad.swift:2: table name qualified by a schema other than platform") == true)
        #expect(good == [])
    }

    @Test("tenant migrations reference no platform table, and no migration or source names a tenant schema")
    func realMigrationsAndSourcesPass() throws {
        // setup
        let tenantMigrations = try SQLPortability.files(under: "migrations/tenant", suffix: ".sql")
        let allSQL = try SQLPortability.files(under: "migrations", suffix: ".sql")
        let sources = try SQLPortability.files(under: "Sources", suffix: ".swift")
        // MUT
        var findings: [String] = []
        for f in tenantMigrations { findings += SQLPortability.findings(SQLPortability.tenantMigrationRules, in: f.text, file: f.path) }
        for f in allSQL + sources { findings += SQLPortability.findings(SQLPortability.tenantSchemaRules, in: f.text, file: f.path) }
        // validate
        #expect(tenantMigrations.count >= 26)
        #expect(sources.count > 300)
        #expect(findings == [])
    }
}
