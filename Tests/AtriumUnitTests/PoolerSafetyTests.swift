import Testing

/// Nothing in Sources or migrations relies on session state that PgBouncer in transaction mode cannot
/// keep (docs/OPERATIONS.md, "What does not work through PgBouncer"). A reviewed exception, e.g. a
/// LISTEN on a connection of its own that bypasses the pooler, carries `pooler-safe: <why>` on its line
/// or the line above.
@Suite("Pooler safety: no session state in Sources or migrations")
struct PoolerSafetyTests {
    @Test("the scan catches each kind of session state in a bad sample, and admits a marked exception")
    func badSampleFails() {
        // setup
        let bad = """
            try await tx.query("SELECT pg_advisory_lock(42)")
            try await tx.query("SELECT set_config('search_path', 'platform', false)")
            try await conn.query("SET search_path = platform")
            try await conn.query("LISTEN atrium_jobs")
            try await conn.listen(on: "atrium_jobs") { _ in }
            try await tx.query("CREATE TEMP TABLE scratch (id int)")
            try await tx.query("DECLARE c CURSOR WITH HOLD FOR SELECT 1")
            try await tx.query("PREPARE lookup AS SELECT 1")
            // pooler-safe: a direct connection of its own, never through PgBouncer
            try await direct.query("LISTEN atrium_jobs")
            """
        let fine = """
            try await tx.query("SELECT pg_advisory_xact_lock(42)")
            try await tx.query("SELECT set_config('role', \\(role), true)")
            try await tx.query("SET LOCAL jit = off")
            try await tx.query("UPDATE users SET name = \\(name) WHERE id = \\(id)")
            try await tx.query("SELECT pg_notify('atrium_jobs', '')")
            """
        // MUT
        let found = SQLPortability.findings(SQLPortability.poolerRules, in: bad, file: "Bad.swift", honourExemption: true)
        let clean = SQLPortability.findings(SQLPortability.poolerRules, in: fine, file: "Fine.swift", honourExemption: true)
        // validate
        #expect(found.map { String($0.split(separator: ":")[1]) } == ["1", "2", "3", "4", "5", "6", "7", "8"])
        #expect(clean == [])
    }

    @Test("Sources and migrations hold no session state")
    func realSourcesPass() throws {
        // setup
        let files = try SQLPortability.files(under: "Sources", suffix: ".swift") + SQLPortability.files(under: "migrations", suffix: ".sql")
        // MUT
        let found = files.flatMap { SQLPortability.findings(SQLPortability.poolerRules, in: $0.text, file: $0.path, honourExemption: true) }
        // validate
        #expect(files.count > 300)
        #expect(found == [])
    }
}
