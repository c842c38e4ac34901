import AtriumCore
import AtriumHTTP
import AtriumStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("IB demo seed", .timeLimit(.minutes(3)))
struct PartnerDemoSeedTests {
    static let tables = [
        "commission_plans", "commission_plan_versions WHERE status = 'published'", "partners", "partner_links", "partner_parents",
        "partner_plans", "client_attributions", "users WHERE audience = 'ib'", "users WHERE audience = 'trader'", "trading_accounts", "fx_rates",
    ]

    static func counts(_ s: AppServices, _ slug: String) async throws -> [String: Int] {
        let tenant = try #require(try await s.registry.tenant(slug: slug))
        return try await s.tenantDB.transaction(tenant.handle) { tx in
            var out: [String: Int] = [:]
            for t in tables {
                out[t] = try await tx.query("SELECT count(*)::int FROM \(unescaped: t)").collect().first?.decode(Int.self)
            }
            return out
        }
    }

    @Test("run twice, the demo has the same rows: one published plan, an IB with two sub-IBs, four referred clients with one account each; the IB signs in")
    func idempotent() async throws {
        try await SandboxPlatformHarness.with { sandbox in
            try await TestEnv.with("ibdemo", environment: sandbox.environment) { s in
                try await TestEnv.applyBrands(["aurora"], to: s)
                let first = try await DemoSeed.seedPartners(slug: "aurora", trades: 3, services: s)
                let after1 = try await Self.counts(s, "aurora")
                let second = try await DemoSeed.seedPartners(slug: "aurora", trades: 3, services: s)
                let after2 = try await Self.counts(s, "aurora")
                #expect(after1 == after2)
                #expect(after1["commission_plans"] == 1 && after1["commission_plan_versions WHERE status = 'published'"] == 1)
                #expect(after1["partners"] == 3 && after1["partner_links"] == 3 && after1["partner_parents"] == 3 && after1["partner_plans"] == 3)
                #expect(after1["users WHERE audience = 'ib'"] == 3 && after1["users WHERE audience = 'trader'"] == 4)
                #expect(after1["client_attributions"] == 4 && after1["trading_accounts"] == 4)
                #expect(after1["fx_rates"] == 2, "EUR and GBP to USD")
                #expect(first.generatedTrades == 12 && second.generatedTrades == 12)
                #expect(first == second)
                let aurora = try #require(try await s.registry.tenant(slug: "aurora"))
                let tree = try await s.tenantDB.transaction(aurora.handle) { tx in
                    try await tx.query("""
                        SELECT u.email, pu.email FROM partner_parents pp JOIN partners p ON p.id = pp.partner_id JOIN users u ON u.id = p.user_id
                        JOIN partners pa ON pa.id = pp.parent_id JOIN users pu ON pu.id = pa.user_id ORDER BY u.email
                        """).collect().map { try $0.decode((String, String).self) }
                }
                #expect(tree.map(\.0) == ["ib-sub1@aurora.test", "ib-sub2@aurora.test"] && tree.allSatisfy { $0.1 == "ib@aurora.test" })
                try await buildApplication(services: s).test(.router) { client in
                    let web = FormClient(client, host: "aurora.localhost")
                    let login = try await web.post("/partners/login", ["email": "ib@aurora.test", "password": DemoSeed.ibPassword], csrfFrom: "/partners")
                    #expect(login.status == .seeOther)
                    #expect(try await web.get("/partners").headers[.location] == "/partners/dashboard", "a signed-in IB lands on the dashboard")
                    #expect(try await web.get("/partners/dashboard").body.contains("Demo IB"))
                }
            }
        }
    }
}
