import AtriumStorage
import Foundation
import PostgresNIO

/// Benchmark support for the client list (`atrium bench-clients`, ops/bench/clients): seeds
/// synthetic clients into a throwaway tenant and times `ClientSearch` pages, with their plans.
/// Never run against a real brand: it writes 100,000 users.
public enum ClientBench {
    /// One timed scenario.
    public struct Figure: Sendable {
        public let name: String
        /// Median wall time of the query over the runs, in milliseconds.
        public let medianMs: Double
        public let rows: Int
        /// `EXPLAIN (ANALYZE, BUFFERS)` of one run.
        public let plan: String
    }

    /// Seeds `count` traders registered over the last year (one in 20 sharing its instant with a
    /// neighbour), one in 3 assigned round robin to 5 Sales agents, one in 4 with a succeeded
    /// deposit, one in 10 with a referral code. Returns the agents' ids.
    public static func seed(count: Int, db: TenantDB, tenant: TenantHandle) async throws -> [UUID] {
        try await db.transaction(tenant) { tx in
            var agents: [UUID] = []
            for i in 0..<5 {
                let email = "bench-agent-\(i)@bench.test"
                guard let id = try await tx.query("INSERT INTO users (audience, email, name) VALUES ('staff', \(email), 'Agent') RETURNING id")
                    .collect().first?.decode(UUID.self) else { continue }
                agents.append(id)
            }
            try await tx.query("""
                INSERT INTO users (audience, email, name, country, kyc_status, created_at, referral_code)
                SELECT 'trader', 'bench-' || i || '@bench.test', 'Bench Client ' || i,
                       (ARRAY['GB','DE','ES','FR','IT','AE','NG','BR','MX','JP'])[1 + i % 10],
                       (ARRAY['not_started','submitted','approved','rejected','more_documents'])[1 + (i / 7) % 5],
                       now() - ((i / 2 * 2 + CASE WHEN i % 20 = 1 THEN 0 ELSE i % 2 END) * interval '5 minutes'),
                       CASE WHEN i % 10 = 0 THEN 'REF' || i END
                FROM generate_series(1, \(count)) AS i
                """)
            try await tx.query("""
                INSERT INTO client_agents (client_id, agent_id, assigned_by)
                SELECT u.id, (\(agents))[1 + (row_number() OVER (ORDER BY u.id))::int % 5], 'bench'
                FROM users u WHERE u.audience = 'trader' AND u.email LIKE 'bench-%' AND split_part(split_part(u.email, '-', 2), '@', 1)::int % 3 = 0
                """)
            try await tx.query("""
                INSERT INTO payments (kind, user_id, psp_id, psp_type, currency, amount, status, reference, idempotency_key)
                SELECT 'deposit', u.id, 'wire', 'bank_wire', 'USD', 10000, 'succeeded', 'BENCH-' || u.id, 'bench-' || u.id
                FROM users u WHERE u.audience = 'trader' AND u.email LIKE 'bench-%' AND split_part(split_part(u.email, '-', 2), '@', 1)::int % 4 = 0
                """)
            return agents
        }
    }

    /// Times the list's typical pages (`runs` each, median) after ANALYZE.
    public static func measure(db: TenantDB, tenant: TenantHandle, agents: [UUID], runs: Int = 7) async throws -> [Figure] {
        try await db.transaction(tenant) { tx in
            for table in ["users", "client_agents", "payments"] { try await tx.query("ANALYZE \(unescaped: table)") }
        }
        // The deep cursors: the row 90% of the way down, for everyone and for one agent.
        let (deep, agentDeep) = try await db.transaction(tenant) { tx -> (ClientCursor?, ClientCursor?) in
            let total = try await tx.query("SELECT count(*)::int FROM users WHERE audience = 'trader'").collect().first?.decode(Int.self) ?? 0
            let mine = try await tx.query("SELECT count(*)::int FROM client_agents WHERE agent_id = \(agents.first)").collect().first?.decode(Int.self) ?? 0
            let a = try await tx.query("""
                SELECT created_at, id FROM users WHERE audience = 'trader' ORDER BY created_at DESC, id DESC OFFSET \(total * 9 / 10) LIMIT 1
                """).collect().first.map { try $0.decode((Date, UUID).self) }.map { ClientCursor(createdAt: $0.0, id: $0.1) }
            let b = try await tx.query("""
                SELECT u.created_at, u.id FROM users u JOIN client_agents ca ON ca.client_id = u.id WHERE ca.agent_id = \(agents.first)
                ORDER BY u.created_at DESC, u.id DESC OFFSET \(mine * 9 / 10) LIMIT 1
                """).collect().first.map { try $0.decode((Date, UUID).self) }.map { ClientCursor(createdAt: $0.0, id: $0.1) }
            return (a, b)
        }
        let agentScope = agents.first.map { ClientScope.assigned(to: $0) } ?? .everyone
        let scenarios: [(String, ClientFilter, ClientScope, ClientCursor?)] = [
            ("first page", ClientFilter(), .everyone, nil),
            ("deep page (90%)", ClientFilter(), .everyone, deep),
            ("kyc=approved country=DE", ClientFilter(kycStatus: "approved", country: "DE"), .everyone, nil),
            ("funded=yes", ClientFilter(funded: true), .everyone, nil),
            ("funded=no deep (90%)", ClientFilter(funded: false), .everyone, deep),
            ("registered in one week", ClientFilter(from: Date().addingTimeInterval(-200 * 86_400), until: Date().addingTimeInterval(-193 * 86_400)), .everyone, nil),
            ("search rare text", ClientFilter(query: "bench-77777@"), .everyone, nil),
            ("search common text", ClientFilter(query: "client 1"), .everyone, nil),
            ("Sales scope first page", ClientFilter(), agentScope, nil),
            ("Sales scope deep page (90%)", ClientFilter(), agentScope, agentDeep),
        ]
        var out: [Figure] = []
        for (name, filter, scope, cursor) in scenarios {
            let query = ClientSearch.query(filter, scope: scope, after: cursor, limit: ClientSearch.pageSize + 1)
            var times: [Double] = []
            var rows = 0
            for _ in 0..<runs {
                let start = ContinuousClock.now
                rows = try await db.transaction(tenant) { tx in try await tx.query(query).collect().count }
                let d = ContinuousClock.now - start
                times.append(Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
            }
            let plan = try await db.transaction(tenant) { tx in
                try await tx.query(PostgresQuery(unsafeSQL: "EXPLAIN (ANALYZE, BUFFERS) " + query.sql, binds: query.binds))
                    .collect().map { try $0.decode(String.self) }.joined(separator: "\n")
            }
            out.append(Figure(name: name, medianMs: times.sorted()[times.count / 2], rows: rows, plan: plan))
        }
        return out
    }
}
