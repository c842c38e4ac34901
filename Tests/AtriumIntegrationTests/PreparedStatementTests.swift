import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import Foundation
import PostgresNIO
import Testing

/// `ATRIUM_DB_PREPARED_STATEMENTS`: tenant entry and the session lookup go as named prepared statements
/// when it is on (straight to PostgreSQL), and as unnamed statements when it is off (behind PgBouncer 1.18,
/// where `./ops/test` runs the second test again).
@Suite("Prepared statements setting", .serialized, .timeLimit(.minutes(3)))
struct PreparedStatementTests {
    /// Two brands with one live trader session each.
    static func brands(_ s: AppServices) async throws -> [(handle: TenantHandle, token: String, email: String)] {
        var out: [(TenantHandle, String, String)] = []
        for prefix in ["ps", "pt"] {
            let t = try await s.makeTenant(prefix)
            let email = "session@\(t.handle.slug).test"
            let token = try await s.tenantDB.transaction(t.handle) { tx in
                let id = try #require(try await Users.create(audience: .trader, email: email, name: "Session", passwordHash: nil, in: tx))
                return try await Sessions.create(user: id, audience: .trader, ip: "127.0.0.1", userAgent: "prepared-test", replacing: nil, in: tx)
            }
            out.append((t.handle, token, email))
        }
        return out
    }

    /// Runs `body` with a one-connection pool on the test's database, so every transaction shares one session.
    static func oneConnection<R: Sendable>(_ s: AppServices, _ body: @Sendable (TenantDB) async throws -> R) async throws -> R {
        let url = try DatabaseURL(parsing: try #require(s.config.databaseURL))
        let database = Database(url: url, poolSize: 1, preparedStatements: s.config.databasePreparedStatements, pooler: s.config.databasePooler, logger: s.logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.run() }
            defer { group.cancelAll() }
            return try await body(TenantDB(database: database))
        }
    }

    /// Looks each token up on each brand, three times over: only a brand's own token finds its user there.
    static func lookups(_ db: TenantDB, _ brands: [(handle: TenantHandle, token: String, email: String)]) async throws -> [String] {
        var seen: [String] = []
        for _ in 0..<3 {
            for brand in brands {
                for other in brands {
                    let user = try await db.transaction(brand.handle) { tx in try await Sessions.user(token: other.token, audience: .trader, in: tx) }
                    seen.append(user?.email ?? "-")
                }
            }
        }
        return seen
    }

    @Test("on: one connection prepares tenant entry and the session lookup once, and the lookup serves each brand its own user")
    func preparedWhenOn() async throws {
        try await TestEnv.with("prepon", environment: ["ATRIUM_DB_POOLER": "none", "ATRIUM_DB_PREPARED_STATEMENTS": "on"]) { s in
            // setup
            #expect(s.database.preparedStatements)
            let brands = try await Self.brands(s)
            // MUT: 12 lookups alternating between the brands on one connection
            let (seen, prepared) = try await Self.oneConnection(s) { db in
                let seen = try await Self.lookups(db, brands)
                let prepared = try await db.transaction(brands[0].handle) { tx in
                    try await tx.query("SELECT name, (generic_plans + custom_plans)::int FROM pg_prepared_statements ORDER BY name").collect()
                        .map { try $0.decode((String, Int).self) }
                }
                return (seen, prepared)
            }
            // validate: each prepared once, run for both brands (re-planned when search_path changes)
            let (a, b) = (brands[0].email, brands[1].email)
            #expect(seen == Array(repeating: [a, "-", "-", b], count: 3).flatMap { $0 })
            #expect(prepared.map(\.0) == ["AtriumIdentity.SessionLookup", "AtriumStorage.EnterTenant"])
            let plans = Dictionary(uniqueKeysWithValues: prepared)
            #expect(plans["AtriumIdentity.SessionLookup"] == 12)
            // the 12 lookups' transactions and the one reading the view
            #expect(plans["AtriumStorage.EnterTenant"] == 13)
        }
    }

    @Test("off: nothing is prepared, and the same lookups give the same answers (through PgBouncer in the pooler pass)")
    func unnamedWhenOff() async throws {
        try await TestEnv.with("prepoff", environment: ["ATRIUM_DB_PREPARED_STATEMENTS": "off"]) { s in
            // setup
            #expect(!s.database.preparedStatements)
            let brands = try await Self.brands(s)
            // MUT
            let (seen, prepared) = try await Self.oneConnection(s) { db in
                let seen = try await Self.lookups(db, brands)
                let prepared = try await db.transaction(brands[0].handle) { tx in
                    try await tx.query("SELECT count(*)::int FROM pg_prepared_statements").collect().first?.decode(Int.self)
                }
                return (seen, prepared)
            }
            // validate
            let (a, b) = (brands[0].email, brands[1].email)
            #expect(seen == Array(repeating: [a, "-", "-", b], count: 3).flatMap { $0 })
            #expect(prepared == 0)
        }
    }
}
