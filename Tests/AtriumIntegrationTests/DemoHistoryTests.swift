import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation
import HummingbirdTesting
import Testing

@Suite("Demo history: 90 days of clients, payments, KYC and leads; balanced, deterministic, idempotent", .timeLimit(.minutes(4)))
struct DemoHistoryTests {
    static func figures(_ s: AppServices, _ handle: TenantHandle) async throws -> [String] {
        try await s.tenantDB.transaction(handle) { tx in
            try await tx.query("""
                SELECT u.email || ' ' || u.kyc_status || ' ' || coalesce(l.stage, 'new') || ' ' || (a.client_id IS NOT NULL)::text || ' ' ||
                       coalesce((SELECT string_agg(kind || ':' || status || ':' || amount, ',' ORDER BY kind, amount) FROM payments p WHERE p.user_id = u.id), '-')
                FROM users u LEFT JOIN leads l ON l.client_id = u.id LEFT JOIN client_agents a ON a.client_id = u.id
                WHERE u.audience = 'trader' AND u.email LIKE 'demo-%' ORDER BY u.email
                """).collect().map { try $0.decode(String.self) }
        }
    }

    @Test("seeding twice adds nothing; the ledger verifies; wallets equal deposits minus withdrawals; staff logins work")
    func seedTwice() async throws {
        try await TestEnv.with("demohistory") { s in
            try await TestEnv.applyBrands(["aurora"], to: s)
            for (role, name, password) in [(BuiltinRole.sales, "sales", DemoSeed.salesPassword), (.compliance, "compliance", DemoSeed.compliancePassword),
                                           (.support, "support", DemoSeed.supportPassword)] {
                try await DemoSeed.upsertStaff(slug: "aurora", email: "\(name)@aurora.test", role: role, password: password, services: s)
            }
            let aurora = try #require(try await s.registry.tenant(slug: "aurora")).handle
            let now = Date()
            // MUT
            let first = try await DemoSeed.seedHistory(slug: "aurora", clients: 40, now: now, services: s)
            let before = try await Self.figures(s, aurora)
            let second = try await DemoSeed.seedHistory(slug: "aurora", clients: 40, now: now, services: s)
            // validate
            #expect(first.clients == 40 && first.created == 40)
            #expect(second.created == 0)
            #expect(second.clients == 40 && second.deposits == first.deposits && second.withdrawals == first.withdrawals)
            #expect(second.kycDecisions == first.kycDecisions && second.leads == first.leads && second.assigned == first.assigned)
            #expect(try await Self.figures(s, aurora) == before)
            #expect(first.deposits > 10 && first.withdrawals > 0 && first.kycDecisions > 10 && first.leads > 10 && first.assigned > 0)
            let checks = try await s.tenantDB.transaction(aurora) { tx in
                let broken = try await tx.query("SELECT count(*)::int FROM ledger_verify()").collect().first?.decode(Int.self) ?? -1
                let span = try await tx.query("""
                    SELECT min(created_at) > now() - interval '90 days', max(created_at) < now(), count(DISTINCT created_at::date)::int
                    FROM users WHERE email LIKE 'demo-%'
                    """).collect().first?.decode((Bool, Bool, Int).self)
                // every demo wallet holds exactly its succeeded deposits minus its paid withdrawals
                let mismatched = try await tx.query("""
                    SELECT count(*)::int FROM users u
                    WHERE u.email LIKE 'demo-%' AND coalesce((SELECT sum(credits_posted - debits_posted) FROM ledger_accounts WHERE owner_id = u.id AND kind = 'wallet'), 0)
                        <> coalesce((SELECT sum(CASE kind WHEN 'deposit' THEN amount ELSE -amount END) FROM payments WHERE user_id = u.id), 0)
                    """).collect().first?.decode(Int.self) ?? -1
                let stages = try await tx.query("SELECT count(DISTINCT stage)::int FROM leads").collect().first?.decode(Int.self) ?? 0
                let agent = try await tx.query("""
                    SELECT count(*)::int FROM client_agents c JOIN users s ON s.id = c.agent_id WHERE s.email = 'sales@aurora.test'
                    """).collect().first?.decode(Int.self) ?? -1
                // each deposit is booked in the ledger at its payment's back-dated time, over many days
                let booked = try await tx.query("""
                    SELECT count(*) FILTER (WHERE t.created_at <> p.updated_at)::int, count(DISTINCT t.created_at::date)::int,
                           bool_and(t.created_at > now() - interval '91 days')
                    FROM payments p JOIN ledger_transfers t ON t.reference = p.reference AND t.code = 'deposit' WHERE p.kind = 'deposit'
                    """).collect().first?.decode((Int, Int, Bool).self)
                let later = try await tx.query("SELECT current_setting('atrium.demo_booked_at', true)").collect().first?.decode(String?.self)
                #expect(booked?.0 == 0 && (booked?.1 ?? 0) > 15 && booked?.2 == true, "\(String(describing: booked))")
                #expect((later ?? nil) ?? "" == "")
                return (broken, span, mismatched, stages, agent)
            }
            #expect(checks.0 == 0)
            #expect(checks.1?.0 == true && checks.1?.1 == true && (checks.1?.2 ?? 0) > 20)
            #expect(checks.2 == 0)
            #expect(checks.3 >= 4)
            #expect(checks.4 == first.assigned)
            try await buildApplication(services: s).test(.router) { client in
                for (name, password) in [("sales", DemoSeed.salesPassword), ("compliance", DemoSeed.compliancePassword), ("support", DemoSeed.supportPassword)] {
                    let web = FormClient(client, host: "aurora.localhost")
                    let login = try await web.post("/admin/login", ["email": "\(name)@aurora.test", "password": password], csrfFrom: "/admin")
                    #expect(login.status == .seeOther, "\(name)")
                }
                let trader = FormClient(client, host: "aurora.localhost")
                let login = try await trader.post("/login", ["email": "demo-040@aurora.test", "password": DemoSeed.clientPassword], csrfFrom: "/login")
                #expect(login.status == .seeOther)
            }
        }
    }
}
