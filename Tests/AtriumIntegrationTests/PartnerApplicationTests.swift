import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumPartners
import AtriumStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

/// Becoming an IB: a visitor or a trader applies, staff approve with a plan or reject with a
/// reason, and the approved IB signs in to the Partner Portal.
@Suite("IB applications", .timeLimit(.minutes(3)))
struct PartnerApplicationTests {
    static func unique(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())@aurora.test" }

    static func apply(_ web: FormClient, email: String, name: String = "Vera Visitor", ref: String? = nil) async throws -> HTTPResponse.Status {
        var fields = ["name": name, "email": email, "country": "GB", "website": "https://vera.example", "message": "I run a trading school.\nLine two.",
                      "password": "visitor-pass-123", "password_confirm": "visitor-pass-123"]
        if let ref { fields["ref"] = ref }
        return try await web.post("/partners/apply", fields, csrfFrom: "/partners/apply").status
    }

    static func applicationID(_ f: NetworkFixture, email: String) async throws -> UUID {
        try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
            try #require(try await tx.query("SELECT id FROM partner_applications WHERE email = \(email) ORDER BY created_at DESC LIMIT 1").collect().first?
                .decode(UUID.self))
        }
    }

    @Test("a visitor applies, staff approve with a plan, and the new IB signs in at /partners with the password chosen when applying")
    func visitorApproved() async throws {
        try await NetworkFixture.with { f, client in
            // setup
            let email = Self.unique("vera")
            let visitor = FormClient(client, host: "aurora.localhost")
            #expect(try await Self.apply(visitor, email: email) == .seeOther)
            let id = try await Self.applicationID(f, email: email)
            let staff = try await NetworkFixture.staff(client, f.aurora, email: "sales@aurora.test")
            let queue = try await staff.get("/admin/partners/applications")
            #expect(queue.status == .ok)
            #expect(queue.body.contains(email))
            #expect(queue.body.contains("I run a trading school."))
            // MUT
            let plan = try #require(f.plans["aurora"]).uuidString.lowercased()
            let approved = try await staff.post("/admin/partners/applications/\(id.uuidString.lowercased())/approve", ["plan_id": plan], csrfFrom: "/admin")
            // validate
            #expect(approved.status == .seeOther)
            #expect(approved.headers[.location] == "/admin/partners/applications?done=approved")
            let partner = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                try #require(try await tx.query("""
                    SELECT p.id, p.wallet_currency, u.audience, u.status, a.status FROM partner_applications a JOIN partners p ON p.id = a.partner_id
                    JOIN users u ON u.id = p.user_id WHERE a.id = \(id)
                    """).collect().first?.decode((UUID, String, String, String, String).self))
            }
            #expect(partner.1 == "USD")
            #expect(partner.2 == "ib")
            #expect(partner.3 == "active")
            #expect(partner.4 == "approved")
            let p = partner.0
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM partner_links WHERE partner_id = '\(p)' AND is_default AND target = 'register'") == 1)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM partner_plans WHERE partner_id = '\(p)' AND plan_id = '\(plan)'") == 1)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM partner_parents WHERE partner_id = '\(p)'") == 0)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM audit_log WHERE action = 'partner.application.approved' AND subject = 'application:\(id.uuidString.lowercased())'") == 1)
            let ib = FormClient(client, host: "aurora.localhost")
            let login = try await ib.post("/partners/login", ["email": email, "password": "visitor-pass-123"], csrfFrom: "/partners")
            #expect(login.status == .seeOther)
            #expect(ib.cookies[Audience.ib.cookieName] != nil)
            #expect(try await ib.get("/partners/dashboard").body.contains("Vera Visitor"))
            // the IB list and page show the new IB with its code
            let code = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                try #require(try await tx.query("SELECT code FROM partner_links WHERE partner_id = \(p)").collect().first?.decode(String.self))
            }
            #expect(try await staff.get("/admin/partners?q=\(code)").body.contains(email))
            #expect(try await staff.get("/admin/partners/ib/\(p.uuidString.lowercased())").body.contains(code))
            // deciding twice is refused
            let again = try await staff.post("/admin/partners/applications/\(id.uuidString.lowercased())/reject", ["reason": "late"], csrfFrom: "/admin")
            #expect(again.status == .conflict)
            #expect(again.body.contains("Application: was already decided"))
        }
    }

    @Test("a signed-in trader applies from the Trader's Room; once approved, the IB signs in with the trader's password")
    func traderApproved() async throws {
        try await NetworkFixture.with { f, client in
            // setup
            let email = Self.unique("tina")
            let trader = FormClient(client, host: "aurora.localhost")
            try await WalletRouteTests.register(trader, email: email)
            #expect(try await trader.get("/become-partner").body.contains(#"id="become-partner-form""#))
            // MUT
            let sent = try await trader.post("/become-partner", ["website": "", "message": "Please"], csrfFrom: "/become-partner")
            #expect(sent.status == .seeOther)
            let status = try await trader.get("/become-partner")
            #expect(status.body.contains(#"data-status="pending""#))
            #expect(!status.body.contains(#"id="become-partner-form""#))
            let id = try await Self.applicationID(f, email: email)
            let staff = try await NetworkFixture.staff(client, f.aurora, email: "sales@aurora.test")
            let plan = try #require(f.plans["aurora"]).uuidString.lowercased()
            #expect(try await staff.post("/admin/partners/applications/\(id.uuidString.lowercased())/approve", ["plan_id": plan], csrfFrom: "/admin").status == .seeOther)
            // validate
            let linked = try await f.count(f.aurora, """
                SELECT count(*)::int FROM partners p JOIN users t ON t.id = p.trader_id JOIN users i ON i.id = p.user_id
                WHERE t.email = '\(email)' AND t.audience = 'trader' AND i.email = '\(email)' AND i.audience = 'ib'
                """)
            #expect(linked == 1)
            let ib = FormClient(client, host: "aurora.localhost")
            #expect(try await ib.post("/partners/login", ["email": email, "password": "long-enough-pass"], csrfFrom: "/partners").status == .seeOther)
            #expect(try await ib.get("/partners/dashboard").body.contains("Pat Trader"))
            #expect(try await trader.get("/become-partner").body.contains(#"id="partner-status""#))
        }
    }

    @Test("a rejection keeps its reason; a rejection without one is a 400 naming Reason and changes nothing")
    func rejected() async throws {
        try await NetworkFixture.with { f, client in
            // setup
            let email = Self.unique("rex")
            let trader = FormClient(client, host: "aurora.localhost")
            try await WalletRouteTests.register(trader, email: email)
            #expect(try await trader.post("/become-partner", ["website": "https://rex.example", "message": ""], csrfFrom: "/become-partner").status == .seeOther)
            let id = try await Self.applicationID(f, email: email).uuidString.lowercased()
            let staff = try await NetworkFixture.staff(client, f.aurora, email: "sales@aurora.test")
            let audits = "SELECT count(*)::int FROM audit_log WHERE subject = 'application:\(id)'"
            #expect(try await f.count(f.aurora, audits) == 1)
            // MUT: no reason
            let empty = try await staff.post("/admin/partners/applications/\(id)/reject", ["reason": "  "], csrfFrom: "/admin")
            // validate
            #expect(empty.status == .badRequest)
            #expect(empty.body.contains("Reason: required"))
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM partner_applications WHERE id = '\(id)' AND status = 'pending'") == 1)
            #expect(try await f.count(f.aurora, audits) == 1)
            // MUT: with a reason
            let done = try await staff.post("/admin/partners/applications/\(id)/reject", ["reason": "No website traffic yet"], csrfFrom: "/admin")
            // validate
            #expect(done.status == .seeOther)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM partner_applications WHERE id = '\(id)' AND status = 'rejected' AND reason = 'No website traffic yet' AND decided_at IS NOT NULL") == 1)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM partners p JOIN users u ON u.id = p.user_id WHERE u.email = '\(email)'") == 0)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM audit_log WHERE action = 'partner.application.rejected' AND subject = 'application:\(id)'") == 1)
            let page = try await trader.get("/become-partner")
            #expect(page.body.contains(#"data-status="rejected""#))
            #expect(page.body.contains("No website traffic yet"))
            // a rejected trader may apply again
            #expect(page.body.contains(#"id="become-partner-form""#))
        }
    }

    @Test("a second pending application for the same email is a 409 naming the email, and writes nothing")
    func duplicatePending() async throws {
        try await NetworkFixture.with { f, client in
            // setup
            let email = Self.unique("dup")
            #expect(try await Self.apply(FormClient(client, host: "aurora.localhost"), email: email) == .seeOther)
            // MUT: same address, other case, another browser
            let again = FormClient(client, host: "aurora.localhost")
            let r = try await again.post("/partners/apply", ["name": "Dup Two", "email": email.uppercased(), "country": "ES", "password": "visitor-pass-123",
                                                            "password_confirm": "visitor-pass-123"], csrfFrom: "/partners/apply")
            // validate
            #expect(r.status == .conflict)
            #expect(r.body.contains("Email address: an application with this email is already waiting for review"))
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM partner_applications WHERE lower(email) = '\(email)'") == 1)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM audit_log WHERE action = 'partner.application.submitted' AND after->>'email' = '\(email)'") == 1)
        }
    }

    @Test("approving needs a plan: none chosen, or one of another brand, is a 4xx naming the plan and writes nothing")
    func approveNeedsPlan() async throws {
        try await NetworkFixture.with { f, client in
            // setup
            let email = Self.unique("noplan")
            #expect(try await Self.apply(FormClient(client, host: "aurora.localhost"), email: email) == .seeOther)
            let id = try await Self.applicationID(f, email: email).uuidString.lowercased()
            let staff = try await NetworkFixture.staff(client, f.aurora, email: "sales@aurora.test")
            // MUT
            let none = try await staff.post("/admin/partners/applications/\(id)/approve", ["plan_id": ""], csrfFrom: "/admin")
            let kitePlan = try #require(f.plans["kite"]).uuidString.lowercased()
            let foreign = try await staff.post("/admin/partners/applications/\(id)/approve", ["plan_id": kitePlan], csrfFrom: "/admin")
            // validate
            #expect(none.status == .badRequest)
            #expect(none.body.contains("Commission plan: required"))
            #expect(foreign.status == .notFound)
            #expect(foreign.body.contains("Commission plan: not found"))
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM partners p JOIN users u ON u.id = p.user_id WHERE u.email = '\(email)'") == 0)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM users WHERE audience = 'ib' AND email = '\(email)'") == 0)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM partner_applications WHERE id = '\(id)' AND status = 'pending'") == 1)
        }
    }

    @Test("an application through a sub-IB link makes the new IB a sub-IB of the link's owner when approved")
    func subIBLink() async throws {
        try await NetworkFixture.with { f, client in
            // setup: a parent IB with a sub-IB link
            let parent = try await f.makePartner(f.aurora, email: Self.unique("parent"))
            let code = "SUB" + String(UUID().uuidString.prefix(8))
            try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                try await tx.query("INSERT INTO partner_links (partner_id, code, campaign, target) VALUES (\(parent.partnerID), \(code), 'recruit', 'sub_ib')")
            }
            let email = Self.unique("child")
            let visitor = FormClient(client, host: "aurora.localhost")
            #expect(try await visitor.get("/partners/apply?ref=\(code)").body.contains(#"name="ref" value="\#(code)""#))
            #expect(try await Self.apply(visitor, email: email, ref: code) == .seeOther)
            let id = try await Self.applicationID(f, email: email)
            let staff = try await NetworkFixture.staff(client, f.aurora, email: "sales@aurora.test")
            // MUT
            let plan = try #require(f.plans["aurora"]).uuidString.lowercased()
            #expect(try await staff.post("/admin/partners/applications/\(id.uuidString.lowercased())/approve", ["plan_id": plan], csrfFrom: "/admin").status == .seeOther)
            // validate
            let child = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                try #require(try await PartnerApplications.find(id, in: tx)?.partnerID)
            }
            let (parentNow, tree) = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                (try await PartnerTree.parent(of: child, in: tx), try await PartnerTree.subtree(of: parent.partnerID, in: tx))
            }
            #expect(parentNow == parent.partnerID)
            #expect(tree.map(\.partnerID) == [parent.partnerID, child])
            #expect(tree.map(\.depth) == [0, 1])
        }
    }

    @Test("a brand without any commission plan: the queue says approving needs one and links to the plan editor")
    func noPlanYet() async throws {
        try await NetworkFixture.with { f, client in
            // setup: a fresh brand, no plan
            let brand = try await f.s.makeTenant("noplans")
            let host = "\(brand.handle.slug).test.localhost"
            let visitor = FormClient(client, host: host)
            #expect(try await visitor.post("/partners/apply", ["name": "Nia", "email": "nia@noplans.test", "country": "GB", "password": "visitor-pass-123",
                                                               "password_confirm": "visitor-pass-123"], csrfFrom: "/partners/apply").status == .seeOther)
            let admin = FormClient(client, host: host)
            #expect(try await admin.post("/admin/login", ["email": "admin@\(brand.handle.slug).test", "password": "admin-test-pass"], csrfFrom: "/admin").status == .seeOther)
            // MUT
            let queue = try await admin.get("/admin/partners/applications")
            // validate
            #expect(queue.status == .ok)
            #expect(queue.body.contains(#"id="no-plans""#))
            #expect(queue.body.contains(#"href="/admin/partners/plans""#))
            #expect(queue.body.contains("nia@noplans.test"))
            #expect(!queue.body.contains("approve-form"))
        }
    }
}
