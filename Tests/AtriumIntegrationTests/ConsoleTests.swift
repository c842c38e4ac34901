import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Operator console: usage, health and the operators' audit trail", .serialized, .timeLimit(.minutes(3)))
struct ConsoleTests {
    /// Aurora with known figures: three traders, this month's succeeded deposits 100.00 USD + 40.00 USD
    /// and 25.50 EUR; excluded are last month's deposit, a failed one and a withdrawal; one trader
    /// with a deal on a live account this month, one with a demo account's, one with last month's and a cancelled one; a failing MT5 sync.
    static let shared = Task { () throws -> (AppServices, TenantRecord) in
        let s = try await TestEnv.started("console")
        try await TestEnv.applyBrands(["aurora"], to: s)
        try await Operators.upsert(email: "op@atrium.test", password: "operator-pass-1", services: s)
        guard let aurora = try await s.registry.tenant(slug: "aurora") else { throw SharedFixtureError.serverDidNotStart }
        let month = TenantUsage.monthStart(of: Date())
        let lastMonth = month.addingTimeInterval(-86_400)
        try await s.tenantDB.transaction(aurora.handle) { tx in
            var ids: [UUID] = []
            for n in 1...3 {
                ids.append(try #require(try await Users.createForTest(email: "usage\(n)@aurora.test", in: tx)))
            }
            let payments: [(UUID, String, String, Int64, Int64?, String, Date)] = [
                (ids[0], "deposit", "USD", 10_000, nil, "succeeded", Date()),
                (ids[1], "deposit", "USD", 5_000, 4_000, "succeeded", Date()),
                (ids[1], "deposit", "EUR", 2_550, nil, "succeeded", Date()),
                (ids[2], "deposit", "USD", 99_900, nil, "succeeded", lastMonth),
                (ids[2], "deposit", "USD", 77_700, nil, "failed", Date()),
                (ids[0], "withdrawal", "USD", 3_000, nil, "paid", Date()),
            ]
            for (n, p) in payments.enumerated() {
                try await tx.query("""
                    INSERT INTO payments (kind, user_id, psp_id, psp_type, currency, amount, settled_amount, status, reference, idempotency_key, created_at, updated_at)
                    VALUES (\(p.1), \(p.0), 'sandbox-card', 'sandbox_card', \(p.2), \(p.3), \(p.4), \(p.5), \("usage-\(n)"), \("usage-\(n)"), \(p.6), \(p.6))
                    """)
            }
            // Active: ids[0] (live, this month). Not: ids[1] (demo account), ids[2] (last month; this month's deal cancelled).
            let deals: [(UUID, String, Date, String)] = [(ids[0], "live", Date(), "booked"), (ids[1], "demo", Date(), "booked"),
                                                         (ids[2], "live", lastMonth, "booked"), (ids[2], "live", Date(), "cancelled")]
            for (n, (user, kind, time, status)) in deals.enumerated() {
                let account = UUID()
                try await tx.query("""
                    INSERT INTO trading_accounts (id, user_id, connection_id, login, kind, account_type, platform_group, currency, leverage, idempotency_key)
                    VALUES (\(account), \(user), 'mt5-live', \("9000\(n)"), \(kind), 'standard', 'real', 'USD', 100, \("usage-\(n)"))
                    """)
                for deal in 1...2 {
                    try await tx.query("""
                        INSERT INTO platform_deals (connection_id, deal, login, account_id, position_id, entry, side, symbol, volume_ext, currency, time_msc, status)
                        VALUES ('mt5-live', \(n * 10 + deal), \("9000\(n)"), \(account), \(n), 'in', 'buy', 'EURUSD', 100000000, 'USD',
                                \(Int64(time.timeIntervalSince1970 * 1000)), \(status))
                        """)
                }
            }
            try await tx.query("""
                INSERT INTO trading_sync (connection_id, last_attempt_at, last_success_at, status, last_error)
                VALUES ('mt5-live', now(), now() - interval '2 hours', 'auth_failed', 'manager login refused')
                """)
        }
        return (s, aurora)
    }

    static func signedIn(_ body: @Sendable (FormClient, AppServices, TenantRecord) async throws -> Void) async throws {
        let (s, aurora) = try await shared.value
        try await buildApplication(services: s).test(.router) { client in
            let ops = FormClient(client, host: "ops.localhost:8080")
            #expect(try await ops.post("/login", ["email": "op@atrium.test", "password": "operator-pass-1"], csrfFrom: "/").status == .seeOther)
            try await body(ops, s, aurora)
        }
    }

    @Test("usage shows the exact seeded figures: 3 clients, 1 active trader, 140.00 USD and 25.50 EUR this month, the schema's size")
    func usage() async throws {
        try await Self.signedIn { ops, s, aurora in
            let page = try await ops.get("/usage")
            #expect(page.status == .ok)
            let row = try #require(page.body.components(separatedBy: "data-tenant=\"aurora\"").dropFirst().first?.components(separatedBy: "</tr>").first)
            #expect(row.contains("data-clients=\"3\""))
            #expect(row.contains("data-active=\"1\""))
            #expect(row.contains("<span class=\"nowrap\" data-deposit=\"EUR\">25.50 EUR</span>"))
            #expect(row.contains("<span class=\"nowrap\" data-deposit=\"USD\">140.00 USD</span>"))
            // the size, computed another way: every table of the schema with its indexes and TOAST
            let bytes = try await s.tenantDB.transaction(aurora.handle) { tx in
                try await tx.query("""
                    SELECT sum(pg_total_relation_size(format('%I.%I', schemaname, tablename)::regclass))::bigint FROM pg_tables WHERE schemaname = current_schema()
                    """).collect().first?.decode(Int64.self) ?? -1
            }
            #expect(bytes > 0)
            #expect(row.contains("data-bytes=\"\(bytes)\""))
        }
    }

    @Test("health shows the schema version against the newest migration, the failing MT5 sync and each PSP's circuit")
    func health() async throws {
        try await Self.signedIn { ops, s, aurora in
            let newest = s.migrations.tenant.map(\.version).max() ?? -1
            var page = try await ops.get("/status")
            #expect(page.status == .ok)
            #expect(page.body.contains("data-schema=\"\(newest)\""))
            #expect(page.body.contains("<div data-platform=\"mt5-live\" data-status=\"auth_failed\">"))
            #expect(page.body.contains("manager login refused"))
            #expect(page.body.contains("<div data-psp=\"sandbox-card\" data-circuit=\"closed\" data-failed=\"1\">"))
            #expect(page.body.contains("<div data-psp=\"crypto-usdt\" data-circuit=\"closed\" data-failed=\"0\">"))
            for _ in 0..<s.payments.breaker.failureThreshold { s.payments.breaker.record(tenant: aurora.handle.id, psp: "crypto-usdt", ok: false) }
            page = try await ops.get("/status")
            #expect(page.body.contains("<div data-psp=\"crypto-usdt\" data-circuit=\"open\""))
        }
    }

    @Test("the operators' audit trail lists platform audit rows newest first with the chain verified")
    func audit() async throws {
        try await Self.signedIn { ops, s, _ in
            let page = try await ops.get("/audit")
            #expect(page.status == .ok)
            #expect(page.body.contains("badge badge-active"))
            #expect(page.body.contains("<code>operator.upserted</code>"))
            #expect(page.body.contains("op@atrium.test"))
            let newest = try await s.database.platform { conn in
                try await conn.query("SELECT max(seq) FROM platform.audit_log", logger: s.logger).collect().first?.decode(Int64.self) ?? -1
            }
            let first = try #require(page.body.components(separatedBy: "<tr data-seq=\"").dropFirst().first?.prefix { $0 != "\"" })
            #expect(String(first) == "\(newest)")
        }
    }

    @Test("without an operator session every console page is refused, also for a brand's Super Admin")
    func refused() async throws {
        let (s, _) = try await Self.shared.value
        try await buildApplication(services: s).test(.router) { client in
            let anonymous = FormClient(client, host: "ops.localhost:8080")
            for path in ["/usage", "/status", "/audit", "/usage?page=1"] {
                let r = try await anonymous.get(path)
                #expect(r.status == .unauthorized, "\(path)")
                #expect(!r.body.contains("data-tenant"))
            }
            let staff = FormClient(client, host: "aurora.localhost")
            #expect(try await staff.post("/admin/login", ["email": "admin@aurora.test", "password": "admin-demo-pass"], csrfFrom: "/admin").status == .seeOther)
            #expect(try await staff.get("/usage").status == .notFound)
            #expect(try await staff.get("/audit").status == .notFound)
        }
    }
}

extension Users {
    /// A trader row for a fixture (no password).
    static func createForTest(email: String, in tx: TenantTransaction) async throws -> UUID? {
        try await create(audience: .trader, email: email, name: "Usage Trader", passwordHash: nil, in: tx)
    }
}
