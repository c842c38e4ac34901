import AtriumCore
import AtriumHTTP
import AtriumPartners
import AtriumStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

/// The Back Office IB routes need `partners.manage`, and a brand's staff never reach another
/// brand's IBs, even by id.
@Suite("IB Back Office access", .timeLimit(.minutes(3)))
struct PartnerAdminAccessTests {
    @Test("staff without partners.manage get 403 on every IB route, and nothing is written")
    func permission() async throws {
        try await NetworkFixture.with { f, client in
            // setup
            let ib = try await f.makePartner(f.aurora, email: "perm-\(UUID().uuidString.prefix(8).lowercased())@aurora.test")
            let id = ib.partnerID.uuidString.lowercased()
            let app = UUID().uuidString.lowercased()
            let compliance = try await NetworkFixture.staff(client, f.aurora, email: "compliance@aurora.test")
            let gets = ["/admin/partners", "/admin/partners?q=x", "/admin/partners/tree", "/admin/partners/applications", "/admin/partners/new",
                        "/admin/partners/ib/\(id)"]
            let posts: [(String, [String: String])] = [
                ("/admin/partners/applications/\(app)/approve", ["plan_id": try #require(f.plans["aurora"]).uuidString]),
                ("/admin/partners/applications/\(app)/reject", ["reason": "no"]),
                ("/admin/partners/new", ["name": "X", "email": "x-perm@aurora.test", "plan_id": try #require(f.plans["aurora"]).uuidString]),
                ("/admin/partners/ib/\(id)/move", ["parent": "", "effective_date": "2099-01-01"]),
                ("/admin/partners/ib/\(id)/reassign", ["client": "a@b.test", "effective_date": "2099-01-01"]),
            ]
            // MUT / validate
            for path in gets {
                #expect(try await compliance.get(path).status == .forbidden, "GET \(path)")
            }
            for (path, fields) in posts {
                #expect(try await compliance.post(path, fields, csrfFrom: "/admin").status == .forbidden, "POST \(path)")
            }
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM partner_parents WHERE partner_id = '\(id)'") == 0)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM users WHERE email = 'x-perm@aurora.test'") == 0)
            // signed out: the sign-in page
            let visitor = FormClient(client, host: "aurora.localhost")
            #expect(try await visitor.get("/admin/partners/ib/\(id)").headers[.location] == "/admin")
            // the Sales role holds it
            let sales = try await NetworkFixture.staff(client, f.aurora, email: "sales@aurora.test")
            #expect(try await sales.get("/admin/partners/ib/\(id)").status == .ok)
            #expect(try await sales.get("/admin").body.contains(#"href="/admin/partners""#))
            #expect(!(try await compliance.get("/admin").body.contains(#"href="/admin/partners""#)))
        }
    }

    @Test("Kite's staff cannot see or change Aurora's IBs by id")
    func crossTenant() async throws {
        try await NetworkFixture.with { f, client in
            // setup
            let email = "aurora-only-\(UUID().uuidString.prefix(8).lowercased())@aurora.test"
            let ib = try await f.makePartner(f.aurora, email: email)
            let id = ib.partnerID.uuidString.lowercased()
            let kite = try await NetworkFixture.staff(client, f.kite, email: "admin@kite.test", password: "admin-demo-pass")
            // MUT / validate
            #expect(try await kite.get("/admin/partners/ib/\(id)").status == .notFound)
            let list = try await kite.get("/admin/partners?q=aurora-only")
            #expect(list.status == .ok)
            #expect(!list.body.contains(email))
            #expect(!(try await kite.get("/admin/partners/tree").body.contains(email)))
            let move = try await kite.post("/admin/partners/ib/\(id)/move", ["parent": "", "effective_date": "2099-01-01"], csrfFrom: "/admin")
            #expect(move.status == .notFound)
            let reassign = try await kite.post("/admin/partners/ib/\(id)/reassign", ["client": "x@kite.test", "effective_date": "2099-01-01"], csrfFrom: "/admin")
            #expect(reassign.status == .notFound)
            // Aurora's code resolves to nothing on Kite's registration
            let web = FormClient(client, host: "kite.localhost")
            _ = try await web.get("/r/\(ib.code)")
            let r = try await web.post("/register", ["name": "Kim", "email": "kim-\(id.prefix(8))@kite.test", "password": "long-enough-pass", "country": "GB",
                                                    "accept_terms": "yes"], csrfFrom: "/register")
            #expect(r.status == .seeOther)
            #expect(try await f.count(f.kite, "SELECT count(*)::int FROM client_attributions") == 0)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM partner_parents WHERE partner_id = '\(id)'") == 0)
        }
    }
}
