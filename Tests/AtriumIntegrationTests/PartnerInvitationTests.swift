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

/// Invitations are per audience: an IB's invitation (staff create an IB without a password)
/// must not open a Back Office session at `/admin/invite/:token`, and a staff invitation must
/// not open an IB session at `/partners/invite/:token`.
@Suite("IB invitations stay in their audience", .timeLimit(.minutes(3)))
struct PartnerInvitationTests {
    @Test("an IB's invitation token at /admin/invite is refused and opens no staff session")
    func ibTokenAtBackOffice() async throws {
        try await NetworkFixture.with { f, client in
            // setup: an invited IB user with an invitation, as staff creation leaves it
            let token = try await f.s.tenantDB.transaction(f.aurora.handle) { tx -> String in
                let user = try #require(try await Users.create(audience: .ib, email: "invited-ib@aurora.test", name: "Invited IB", passwordHash: nil,
                                                               status: "invited", in: tx))
                return try await Invitations.create(user: user, in: tx)
            }
            let web = FormClient(client, host: "aurora.localhost")
            // MUT
            let page = try await web.get("/admin/invite/\(token)")
            let post = try await web.post("/admin/invite/\(token)", ["password": "a-new-password-1", "password_confirm": "a-new-password-1"],
                                          csrfFrom: "/admin")
            // validate
            #expect(page.status == .gone)
            #expect(post.status == .gone)
            #expect(web.cookies[Audience.staff.cookieName] == nil)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'invited-ib@aurora.test'") == 0)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM users WHERE email = 'invited-ib@aurora.test' AND password_hash IS NULL") == 1)
        }
    }

    @Test("staff create an IB under a parent; the IB follows the mailed invitation, chooses a password and is signed in to the portal")
    func staffCreated() async throws {
        try await NetworkFixture.with { f, client in
            // setup
            let tag = UUID().uuidString.prefix(8).lowercased()
            let parent = try await f.makePartner(f.aurora, email: "boss-\(tag)@aurora.test")
            let email = "direct-\(tag)@aurora.test"
            let staff = try await NetworkFixture.staff(client, f.aurora, email: "sales@aurora.test")
            let plan = try #require(f.plans["aurora"]).uuidString.lowercased()
            // MUT
            let created = try await staff.post("/admin/partners/new", ["name": "Dana Direct", "email": email, "plan_id": plan, "parent": parent.code],
                                               csrfFrom: "/admin/partners/new")
            // validate
            #expect(created.status == .seeOther)
            let location = try #require(created.headers[.location])
            #expect(location.hasPrefix("/admin/partners/ib/"))
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM users WHERE audience = 'ib' AND email = '\(email)' AND status = 'invited' AND password_hash IS NULL") == 1)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM partner_parents pp JOIN partners p ON p.id = pp.partner_id JOIN users u ON u.id = p.user_id WHERE u.email = '\(email)' AND pp.parent_id = '\(parent.partnerID)'") == 1)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM audit_log WHERE action = 'partner.created' AND after->>'email' = '\(email)'") == 1)
            #expect(try await staff.get(location).body.contains("Dana Direct"))
            let (subject, token) = try #require(try await AccountTests.lastMail(f.s, f.aurora.handle, to: email, path: "/partners/invite"))
            #expect(subject.contains("partner"))
            // a staff token is not accepted here either
            let ib = FormClient(client, host: "aurora.localhost")
            #expect(try await ib.get("/partners/invite/\(token)").status == .ok)
            let accepted = try await ib.post("/partners/invite/\(token)", ["password": "partner-pass-123", "password_confirm": "partner-pass-123"],
                                             csrfFrom: "/partners/invite/\(token)")
            #expect(accepted.status == .seeOther)
            #expect(ib.cookies[Audience.ib.cookieName] != nil)
            #expect(try await ib.get("/partners/dashboard").body.contains("Dana Direct"))
            #expect(try await ib.get("/partners/invite/\(token)").status == .gone)
            let again = FormClient(client, host: "aurora.localhost")
            #expect(try await again.post("/partners/login", ["email": email, "password": "partner-pass-123"], csrfFrom: "/partners").status == .seeOther)
            // creating the same IB twice is a 409 naming the email
            let twice = try await staff.post("/admin/partners/new", ["name": "Dana Again", "email": email, "plan_id": plan], csrfFrom: "/admin/partners/new")
            #expect(twice.status == .conflict)
            #expect(twice.body.contains("Email address: is already a partner"))
            // an unknown parent is a 404 naming the parent field, and writes nothing
            let orphan = try await staff.post("/admin/partners/new", ["name": "Olly", "email": "orphan-\(tag)@aurora.test", "plan_id": plan, "parent": "nobody-here"],
                                              csrfFrom: "/admin/partners/new")
            #expect(orphan.status == .notFound)
            #expect(orphan.body.contains("Parent IB: not found"))
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM users WHERE email = 'orphan-\(tag)@aurora.test'") == 0)
        }
    }
}
