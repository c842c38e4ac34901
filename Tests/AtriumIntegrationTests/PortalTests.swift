import AtriumBrandConfig
import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Branded portals and operator console", .timeLimit(.minutes(3)))
struct PortalTests {
    /// Applies the real demo brands from tenants/.
    static func applyDemoBrands(_ s: AppServices) async throws -> [TenantConfig] {
        var out: [TenantConfig] = []
        for name in ["aurora", "kite", "meridian"] {
            let c = try TenantConfig.testBrand(name)
            _ = try await s.provisioning.apply(c, actor: "test")
            try await DemoSeed.setAdminPassword(slug: c.slug.value, email: c.admin.email, password: "admin-demo-pass", services: s)
            out.append(c)
        }
        return out
    }

    @Test("each brand host serves its own branded pages; a brand override wins over the default")
    func brandedPages() async throws {
        try await TestEnv.with("portal") { s in
            let brands = try await Self.applyDemoBrands(s)
            let app = buildApplication(services: s)
            try await app.test(.router) { client in
                for b in brands {
                    let web = FormClient(client, host: b.domains[0] + ":8080")
                    for path in ["/", "/login", "/register", "/partners", "/admin"] {
                        let page = try await web.get(path)
                        #expect(page.status == .ok, "\(b.slug) \(path)")
                        #expect(page.body.contains(b.name), "\(b.slug) \(path) names the brand")
                        #expect(page.body.contains(b.branding.primaryColor), "\(b.slug) \(path) uses brand colour")
                        // Every POST form carries its own token; every page but the landing page has a form.
                        let forms = page.body.ranges(of: #"method="post""#).count, tokens = page.body.ranges(of: #"name="_csrf""#).count
                        #expect(tokens == forms, "\(b.slug) \(path): \(forms) POST forms, \(tokens) CSRF tokens")
                        if path != "/" { #expect(forms >= 1, "\(b.slug) \(path) has a sign-in or registration form") }
                        for other in brands where other.slug != b.slug { #expect(!page.body.contains(other.name)) }
                    }
                }
                let kite = try await FormClient(client, host: "kite.localhost").get("/")
                #expect(kite.body.contains("<!-- kite override -->"))
                let aurora = try await FormClient(client, host: "aurora.localhost").get("/")
                #expect(!aurora.body.contains("<!-- kite override -->"))
                let meridian = try await FormClient(client, host: "meridian.localhost").get("/")
                #expect(meridian.body.contains(#"dir="rtl""#))
            }
        }
    }

    @Test("forms refuse posts without a CSRF token, and bad registrations get a 4xx naming the problem")
    func badInput() async throws {
        try await TestEnv.with("portalbad") { s in
            _ = try await Self.applyDemoBrands(s)
            let app = buildApplication(services: s)
            try await app.test(.router) { client in
                let web = FormClient(client, host: "aurora.localhost")
                let noCSRF = try await web.post("/login", ["email": "a@b.c", "password": "x"], csrf: false)
                #expect(noCSRF.status == .forbidden)
                let blocked = try await web.post("/register", ["name": "Sam", "email": "sam@x.test", "password": "long-enough-pass", "country": "US", "accept_terms": "yes"])
                #expect(blocked.status.code == 422)
                let short = try await web.post("/register", ["name": "Sam", "email": "sam@x.test", "password": "short", "country": "DE", "accept_terms": "yes"])
                #expect(short.status == .badRequest)
                let long = try await web.post("/register", ["name": String(repeating: "n", count: 500), "email": "sam@x.test", "password": "long-enough-pass", "country": "DE", "accept_terms": "yes"])
                #expect(long.status == .badRequest)
                let ok = try await web.post("/register", ["name": "Zoë Łukasiewicz", "email": "zoe@x.test", "password": "long-enough-pass", "country": "DE", "accept_terms": "yes"])
                #expect(ok.status == .seeOther)
                let home = try await web.get("/")
                #expect(home.body.contains("Zoë Łukasiewicz"))
                for page in [noCSRF, blocked, short, long] {
                    #expect(!page.body.contains("PSQLError") && !page.body.contains("SELECT"))
                }
                let again = try await FormClient(client, host: "aurora.localhost").post("/register", ["name": "Other", "email": "zoe@x.test", "password": "long-enough-pass", "country": "DE", "accept_terms": "yes"])
                #expect(again.status == .ok) // neutral: no hint that the address exists
                let users = try await s.tenantDB.transaction(try #require(try await s.registry.tenant(slug: "aurora")).handle) { tx in
                    try await tx.query("SELECT count(*) FROM users WHERE audience = 'trader'").collect().first?.decode(Int.self)
                }
                #expect(users == 1)
            }
        }
    }

    @Test("a broker admin logs into /admin of their brand only; permissions guard routes")
    func backOffice() async throws {
        try await TestEnv.with("portaladmin") { s in
            _ = try await Self.applyDemoBrands(s)
            let app = buildApplication(services: s)
            try await app.test(.router) { client in
                let aurora = FormClient(client, host: "aurora.localhost")
                let login = try await aurora.post("/admin/login", ["email": "admin@aurora.test", "password": "admin-demo-pass"], csrfFrom: "/admin")
                #expect(login.status == .seeOther)
                #expect(login.headers[values: .setCookie].contains { $0.contains("atrium_staff=") && $0.contains("HttpOnly") && $0.contains("SameSite=Lax") })
                #expect(try await aurora.get("/admin").body.contains("admin@aurora.test"))
                let audit = try await aurora.get("/admin/audit")
                #expect(audit.status == .ok)
                #expect(audit.body.contains("login.succeeded"))
                // Same credentials on another brand: not valid there.
                let kite = FormClient(client, host: "kite.localhost")
                kite.cookies = aurora.cookies
                #expect(try await kite.get("/admin/audit").status == .seeOther)
                let wrong = try await kite.post("/admin/login", ["email": "admin@aurora.test", "password": "admin-demo-pass"], csrfFrom: "/admin")
                #expect(wrong.status == .unauthorized)
                // A Support user may not read the audit trail.
                let tenant = try #require(try await s.registry.tenant(slug: "aurora"))
                let hash = try await s.authenticator.hasher.hash("support-pass-123")
                try await s.tenantDB.transaction(tenant.handle) { tx in
                    let id = try #require(try await Users.create(audience: .staff, email: "support@aurora.test", name: "Sup", passwordHash: hash, in: tx))
                    try await RBAC.grant(.support, to: id, in: tx)
                }
                let support = FormClient(client, host: "aurora.localhost")
                #expect(try await support.post("/admin/login", ["email": "support@aurora.test", "password": "support-pass-123"], csrfFrom: "/admin").status == .seeOther)
                #expect(try await support.get("/admin/audit").status == .forbidden)
            }
        }
    }

    @Test("the operator console lists, creates (live at once), suspends, resumes and exports brands")
    func operatorConsole() async throws {
        try await TestEnv.with("portalops") { s in
            _ = try await Self.applyDemoBrands(s)
            try await Operators.upsert(email: "op@atrium.test", password: "operator-pass-1", services: s)
            let app = buildApplication(services: s)
            try await app.test(.router) { client in
                let ops = FormClient(client, host: "ops.localhost:8080")
                #expect(try await ops.get("/").body.contains("login-form"))
                #expect(try await ops.post("/tenants", ["slug": "nope", "name": "x", "domains": "nope.test", "admin_email": "a@b.test"], csrfFrom: "/").status == .unauthorized)
                #expect(try await ops.post("/login", ["email": "op@atrium.test", "password": "operator-pass-1"], csrfFrom: "/").status == .seeOther)
                let list = try await ops.get("/")
                for slug in ["aurora", "kite", "meridian"] { #expect(list.body.contains(slug)) }
                let created = try await ops.post("/tenants", ["slug": "nova", "name": "Nova Trade", "domains": "nova.localhost", "admin_email": "boss@nova.test"], csrfFrom: "/")
                #expect(created.status == .created)
                #expect(created.body.contains("/admin/invite/"))
                let nova = try await FormClient(client, host: "nova.localhost").get("/")
                #expect(nova.status == .ok && nova.body.contains("Nova Trade"))
                let dup = try await ops.post("/tenants", ["slug": "nova2", "name": "Nova 2", "domains": "nova.localhost", "admin_email": "boss@nova.test"], csrfFrom: "/")
                #expect(dup.status == .conflict)
                #expect(dup.body.contains("nova.localhost"))
                let bad = try await ops.post("/tenants", ["slug": "Bad Slug!", "name": "x", "domains": "x.test", "admin_email": "a@b.test"], csrfFrom: "/")
                #expect(bad.status.code == 422 && bad.body.contains("slug"))
                #expect(try await ops.post("/tenants/nova/suspend", [:], csrfFrom: "/").status == .seeOther)
                let suspended = try await FormClient(client, host: "nova.localhost").get("/")
                #expect(suspended.status == .serviceUnavailable)
                #expect(try await ops.post("/tenants/nova/resume", [:], csrfFrom: "/").status == .seeOther)
                #expect(try await FormClient(client, host: "nova.localhost").get("/").status == .ok)
                let export = try await ops.get("/tenants/nova/export")
                #expect(export.body.contains("slug: nova") && export.body.contains("nova.localhost"))
            }
        }
    }

    @Test("health and readiness answer on any host; metrics on none")
    func operations() async throws {
        try await TestEnv.with("portalhealth") { s in
            let app = buildApplication(services: s)
            try await app.test(.router) { client in
                let web = FormClient(client, host: "whatever.example")
                #expect(try await web.get("/health").status == .ok)
                let ready = try await web.get("/ready")
                #expect(ready.status == .ok && ready.body == "ready\n")
                _ = try await FormClient(client, host: "ops.localhost").get("/")
                #expect(try await web.get("/metrics").status == .notFound)
            }
        }
    }
}
