import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

@Suite("Tenant isolation", .timeLimit(.minutes(3)))
struct IsolationTests {
    @Test("a tenant transaction cannot read another tenant's schema, even by name")
    func explicitSchemaIsDenied() async throws {
        try await TestEnv.with("iso") { s in
            // setup
            let a = try await s.makeTenant("a")
            let b = try await s.makeTenant("b")
            // MUT
            let error = await #expect(throws: (any Error).self) {
                try await s.tenantDB.transaction(a.handle) { tx in
                    try await tx.query(PostgresQuery(unsafeSQL: "SELECT email FROM \(b.handle.schema.quoted).users")).collect()
                }
            }
            // validate
            #expect(error?.sqlState == "42501")
            let own = try await s.tenantDB.transaction(a.handle) { tx in
                try await tx.query("SELECT count(*) FROM users").collect().first?.decode(Int.self)
            }
            #expect(own == 1)
        }
    }

    @Test("the application login role has no privileges on tenant schemas outside the helper")
    func loginRoleHasNoDirectAccess() async throws {
        try await TestEnv.with("isorole") { s in
            let a = try await s.makeTenant("a")
            let error = await #expect(throws: (any Error).self) {
                try await s.database.platform { conn in
                    try await conn.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(a.handle.schema.quoted).users"), logger: s.logger).collect()
                }
            }
            #expect(error?.sqlState == "42501")
            let tables = try await s.database.platform { conn in
                try await conn.query("SELECT count(*) FROM pg_tables WHERE schemaname IN ('public', 'platform') AND tablename IN ('users', 'sessions', 'audit_log', 'outbox')", logger: s.logger)
                    .collect().first?.decode(Int.self)
            }
            // platform has its own audit_log (operator actions); no tenant table lives in public or platform.
            #expect(tables == 1)
        }
    }

    @Test("1,200 interleaved requests over a pool of 6 connections never see another tenant's rows")
    func interleavedRequestsStayInTheirTenant() async throws {
        try await TestEnv.with("isomany") { s in
            // setup: three brands, each with one trader whose name marks the brand
            var brands: [(host: String, cookie: String, marker: String)] = []
            for prefix in ["x", "y", "z"] {
                let t = try await s.makeTenant(prefix)
                let token = try await DemoSeed.benchSession(slug: t.handle.slug, services: s)
                try await s.tenantDB.transaction(t.handle) { tx in
                    try await tx.query("UPDATE users SET name = \("marker-" + t.handle.slug) WHERE audience = 'trader'")
                }
                brands.append((t.domains[0], "atrium_trader=\(token)", "marker-" + t.handle.slug))
            }
            let targets = brands
            let app = buildApplication(services: s)
            try await app.test(.router) { client in
                // MUT: requests alternate between brands and run concurrently
                let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
                    for i in 0..<1200 {
                        let brand = targets[i % targets.count]
                        if i >= 48 { _ = try await group.next() }
                        group.addTask {
                            try await client.execute(uri: "/bench/page", method: .get, headers: [HTTPField.Name("Host")!: brand.host, .cookie: brand.cookie]) { r in
                                let body = String(buffer: r.body)
                                let foreign = targets.filter { $0.marker != brand.marker && body.contains($0.marker) }
                                return (r.status == .ok && body.contains(brand.marker) && foreign.isEmpty) ? 0 : 1
                            }
                        }
                    }
                    var total = 0
                    for try await m in group { total += m }
                    return total
                }
                // validate
                #expect(mismatches == 0)
            }
        }
    }

    @Test("a session cookie made on brand A is rejected on brand B")
    func cookieFromOtherBrandIsRejected() async throws {
        try await TestEnv.with("isocookie") { s in
            let a = try await s.makeTenant("a")
            let b = try await s.makeTenant("b")
            let tokenA = try await DemoSeed.benchSession(slug: a.handle.slug, services: s)
            let app = buildApplication(services: s)
            try await app.test(.router) { client in
                try await client.execute(uri: "/bench/page", method: .get, headers: [HTTPField.Name("Host")!: a.domains[0], .cookie: "atrium_trader=\(tokenA)"]) { r in
                    #expect(r.status == .ok)
                }
                try await client.execute(uri: "/bench/page", method: .get, headers: [HTTPField.Name("Host")!: b.domains[0], .cookie: "atrium_trader=\(tokenA)"]) { r in
                    #expect(r.status == .unauthorized)
                }
                // The Trader's Room of B shows the anonymous landing page, not A's trader.
                try await client.execute(uri: "/", method: .get, headers: [HTTPField.Name("Host")!: b.domains[0], .cookie: "atrium_trader=\(tokenA)"]) { r in
                    #expect(r.status == .ok)
                    #expect(!String(buffer: r.body).contains("Bench Trader"))
                }
                // A staff cookie of A does not open B's Back Office either.
                try await client.execute(uri: "/admin/audit", method: .get, headers: [HTTPField.Name("Host")!: b.domains[0], .cookie: "atrium_staff=\(tokenA)"]) { r in
                    #expect(r.status == .seeOther)
                }
            }
        }
    }

    @Test("an invitation token issued by brand A is unknown on brand B, and still valid on A")
    func tokenFromOtherBrandIsUnknown() async throws {
        try await TestEnv.with("isotoken") { s in
            // setup: a fresh brand A with an unused admin invitation, and brand B
            let created = try await s.provisioning.create(slug: "inva", name: "Inv A", domains: ["inva.test.localhost"], adminEmail: "a@inva.test", actor: "test")
            let b = try await s.makeTenant("b")
            let link = try #require(created.invitationLink)
            let token = try #require(link.split(separator: "/").last.map(String.init))
            let app = buildApplication(services: s)
            try await app.test(.router) { client in
                // MUT: B is asked about A's token
                let onB = try await FormClient(client, host: b.domains[0]).get("/admin/invite/\(token)")
                let onA = try await FormClient(client, host: "inva.test.localhost").get("/admin/invite/\(token)")
                // validate
                #expect(onB.status.code == 410)
                #expect(!onB.body.contains("a@inva.test"))
                #expect(onA.status == .ok && onA.body.contains("a@inva.test"))
            }
        }
    }

    @Test("an unknown host gets a neutral 404 that names no brand")
    func unknownHostIsNeutral() async throws {
        try await TestEnv.with("isohost") { s in
            let a = try await s.makeTenant("a")
            let app = buildApplication(services: s)
            try await app.test(.router) { client in
                try await client.execute(uri: "/", method: .get, headers: [HTTPField.Name("Host")!: "nobody.example.com"]) { r in
                    #expect(r.status == .notFound)
                    let body = String(buffer: r.body)
                    #expect(!body.contains(a.name))
                    #expect(!body.contains(a.handle.slug))
                }
            }
        }
    }
}
