import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

/// `/admin/staff` and `/admin/roles` need `staff.manage` (Super Admin only among the built-in
/// roles); invitations go through the outbox; deactivation signs the member out at once.
@Suite("Staff administration", .timeLimit(.minutes(3)))
struct StaffAdminTests {
    @Test("each built-in role against each staff screen: only staff.manage opens them, and a refused POST writes nothing")
    func permissions() async throws {
        try await StaffFixture.with { f, client in
            // setup
            let target = try await f.member(f.aurora, StaffFixture.email("target", f.aurora), roles: [.support])
            let id = target.uuidString.lowercased()
            let sales = try await f.roleID(f.aurora, "Sales")
            let gets = ["/admin/staff", "/admin/staff/\(id)", "/admin/roles", "/admin/roles/\(sales)"]
            for role in BuiltinRole.allCases {
                let email = StaffFixture.email("perm", f.aurora)
                _ = try await f.member(f.aurora, email, roles: [role])
                let web = try await StaffFixture.signIn(client, f.aurora, email)
                let invitee = StaffFixture.email("invitee", f.aurora)
                let posts: [(String, [String: String])] = [
                    ("/admin/staff/invite", ["email": invitee, "name": "New", "role_\(sales)": "on"]),
                    ("/admin/staff/\(id)/roles", ["role_\(sales)": "on"]),
                    ("/admin/staff/\(id)/deactivate", [:]),
                    ("/admin/staff/\(id)/two-factor/reset", [:]),
                    ("/admin/roles", ["name": "Role of \(email)", "perm_audit_view": "on"]),
                ]
                // MUT / validate
                for path in gets {
                    #expect(try await web.get(path).status == (role == .superAdmin ? .ok : .forbidden), "\(role.rawValue) GET \(path)")
                }
                // Every member reaches their own sessions page.
                #expect(try await web.get("/admin/security/sessions").status == .ok, "\(role.rawValue) sessions")
                #expect(try await web.get("/admin").body.contains(#"href="/admin/staff""#) == (role == .superAdmin), "\(role.rawValue) nav")
                guard role != .superAdmin else { continue }
                for (path, fields) in posts {
                    #expect(try await web.post(path, fields, csrfFrom: "/admin").status == .forbidden, "\(role.rawValue) POST \(path)")
                }
                #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM users WHERE email = '\(invitee)'") == 0)
                #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM roles WHERE name = 'Role of \(email)'") == 0)
            }
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM users WHERE id = '\(id)' AND status = 'active'") == 1)
            // signed out: the sign-in page
            #expect(try await FormClient(client, host: "aurora.localhost").get("/admin/staff").headers[.location] == "/admin")
        }
    }

    @Test("an invitation is mailed through the outbox, audited, and opens the Back Office with the chosen role")
    func invite() async throws {
        try await StaffFixture.with { f, client in
            // setup
            let adminEmail = StaffFixture.email("admin", f.aurora)
            _ = try await f.member(f.aurora, adminEmail, roles: [.superAdmin])
            let admin = try await StaffFixture.signIn(client, f.aurora, adminEmail)
            let compliance = try await f.roleID(f.aurora, "Compliance")
            let invitee = StaffFixture.email("invited", f.aurora)
            // MUT
            let r = try await admin.post("/admin/staff/invite", ["email": invitee.uppercased(), "name": "Iris Invited", "role_\(compliance)": "on"],
                                         csrfFrom: "/admin/staff")
            // validate
            #expect(r.status == .seeOther)
            #expect(r.headers[.location] == "/admin/staff?done=invited")
            let (status, roles, body, audits) = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                let status = try await tx.query("SELECT status FROM users WHERE audience = 'staff' AND email = \(invitee)").collect().first?.decode(String.self)
                let roles = try await tx.query("""
                    SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id JOIN users u ON u.id = ur.user_id WHERE u.email = \(invitee)
                    """).collect().map { try $0.decode(String.self) }
                let body = try await tx.query("SELECT body FROM outbox WHERE to_address = \(invitee)").collect().first?.decode(String.self)
                let audits = try await tx.query("SELECT count(*)::int FROM audit_log WHERE action = 'staff.invited' AND after::text LIKE \("%" + invitee + "%")")
                    .collect().first?.decode(Int.self)
                return (status, roles, body, audits)
            }
            #expect(status == "invited")
            #expect(roles == ["Compliance"])
            #expect(audits == 1)
            let mail = try #require(body)
            let range = try #require(mail.range(of: #"/admin/invite/[A-Za-z0-9_-]+"#, options: .regularExpression))
            let link = String(mail[range])
            #expect(try await admin.get("/admin/staff").body.contains(invitee))
            // The invitee chooses a password and lands in the Back Office with the Compliance role.
            let web = FormClient(client, host: "aurora.localhost")
            let accepted = try await web.post(link, ["password": "invited-pass-123", "password_confirm": "invited-pass-123"], csrfFrom: link)
            #expect(accepted.status == .seeOther)
            #expect(try await web.get("/admin/kyc").status == .ok)
            #expect(try await web.get("/admin/staff").status == .forbidden)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM users WHERE email = '\(invitee)' AND status = 'active' AND last_sign_in_at IS NOT NULL") == 1)
        }
    }

    @Test("deactivation ends the member's live session at once; reactivation lets them sign in again")
    func deactivate() async throws {
        try await StaffFixture.with { f, client in
            // setup
            let adminEmail = StaffFixture.email("admin", f.aurora)
            _ = try await f.member(f.aurora, adminEmail, roles: [.superAdmin])
            let admin = try await StaffFixture.signIn(client, f.aurora, adminEmail)
            let memberEmail = StaffFixture.email("leaver", f.aurora)
            let member = try await f.member(f.aurora, memberEmail, roles: [.finance])
            let live = try await StaffFixture.signIn(client, f.aurora, memberEmail)
            #expect(try await live.get("/admin/payments/withdrawals").status == .ok)
            let id = member.uuidString.lowercased()
            // MUT
            let r = try await admin.post("/admin/staff/\(id)/deactivate", [:], csrfFrom: "/admin/staff/\(id)")
            // validate: the live cookie is signed out on its next request
            #expect(r.status == .seeOther)
            let after = try await live.get("/admin/payments/withdrawals")
            #expect(after.status == .seeOther)
            #expect(after.headers[.location] == "/admin")
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM sessions WHERE user_id = '\(id)'") == 0)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM users WHERE id = '\(id)' AND status = 'disabled'") == 1)
            #expect(try await f.count(f.aurora, """
                SELECT count(*)::int FROM audit_log WHERE action = 'staff.deactivated' AND subject = 'staff:\(id)'
                  AND before::text LIKE '%active%' AND after::text LIKE '%disabled%'
                """) == 1)
            let refused = FormClient(client, host: "aurora.localhost")
            #expect(try await refused.post("/admin/login", ["email": memberEmail, "password": StaffFixture.staffPassword], csrfFrom: "/admin").status == .unauthorized)
            // reactivated: signs in again
            #expect(try await admin.post("/admin/staff/\(id)/reactivate", [:], csrfFrom: "/admin/staff/\(id)").status == .seeOther)
            let back = try await StaffFixture.signIn(client, f.aurora, memberEmail)
            #expect(try await back.get("/admin/payments/withdrawals").status == .ok)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM audit_log WHERE action = 'staff.reactivated' AND subject = 'staff:\(id)'") == 1)
        }
    }

    @Test("nobody deactivates themself, and the last active Super Admin is neither deactivated nor demoted")
    func guards() async throws {
        try await StaffFixture.with { f, client in
            // setup: a brand of its own, whose only active Super Admin is its admin
            let brand = try await f.s.makeTenant("guard", adminPassword: StaffFixture.staffPassword)
            let adminID = try await f.s.tenantDB.transaction(brand.handle) { tx in
                try #require(try await Users.find(audience: .staff, email: "admin@\(brand.handle.slug).test", in: tx))
            }.uuidString.lowercased()
            let admin = try await StaffFixture.signIn(client, brand, "admin@\(brand.handle.slug).test")
            let manager = try await admin.post("/admin/roles", ["name": "Staff desk", "perm_staff_manage": "on"], csrfFrom: "/admin/roles")
            #expect(manager.status == .seeOther)
            let desk = try await f.roleID(brand, "Staff desk")
            let deskEmail = StaffFixture.email("desk", brand)
            let deskID = try await f.member(brand, deskEmail, roles: [])
            #expect(try await admin.post("/admin/staff/\(deskID.uuidString.lowercased())/roles", ["role_\(desk)": "on"], csrfFrom: "/admin/staff").status == .seeOther)
            let other = try await StaffFixture.signIn(client, brand, deskEmail)
            let superAdmin = try await f.roleID(brand, "Super Admin")
            // MUT / validate: self-deactivation
            let own = try await admin.post("/admin/staff/\(adminID)/deactivate", [:], csrfFrom: "/admin/staff")
            #expect(own.status == .conflict)
            #expect(StaffFixture.refusedField(own.body) == "status")
            // the last Super Admin, deactivated or demoted by someone else
            let off = try await other.post("/admin/staff/\(adminID)/deactivate", [:], csrfFrom: "/admin/staff")
            #expect(off.status == .conflict)
            #expect(StaffFixture.refusedField(off.body) == "status")
            #expect(off.body.contains("at least one active Super Admin"))
            let demote = try await other.post("/admin/staff/\(adminID)/roles", ["role_\(desk)": "on"], csrfFrom: "/admin/staff")
            #expect(demote.status == .conflict)
            #expect(StaffFixture.refusedField(demote.body) == "roles")
            #expect(try await f.count(brand, "SELECT count(*)::int FROM user_roles WHERE user_id = '\(adminID)' AND role_id = '\(superAdmin)'") == 1)
            #expect(try await f.count(brand, "SELECT count(*)::int FROM users WHERE id = '\(adminID)' AND status = 'active'") == 1)
            #expect(try await admin.get("/admin").status == .ok)
            // staff.manage alone grants nothing beyond itself: not Super Admin to themself, not finance.view in a role
            let escalate = try await other.post("/admin/staff/\(deskID.uuidString.lowercased())/roles", ["role_\(desk)": "on", "role_\(superAdmin)": "on"],
                                                csrfFrom: "/admin/staff")
            #expect(escalate.status == .forbidden)
            #expect(StaffFixture.refusedField(escalate.body) == "roles")
            #expect(try await f.count(brand, "SELECT count(*)::int FROM user_roles WHERE user_id = '\(deskID.uuidString.lowercased())'") == 1)
            let widen = try await other.post("/admin/roles", ["name": "Cash desk", "perm_finance_view": "on"], csrfFrom: "/admin/roles")
            #expect(widen.status == .forbidden)
            #expect(StaffFixture.refusedField(widen.body) == "permissions")
            #expect(widen.body.contains("finance.view"))
            #expect(try await f.count(brand, "SELECT count(*)::int FROM roles WHERE name = 'Cash desk'") == 0)
        }
    }

    @Test("bad input is refused with a 4xx naming the field, and nothing is written")
    func badInput() async throws {
        try await StaffFixture.with { f, client in
            // setup
            let adminEmail = StaffFixture.email("admin", f.aurora)
            let adminID = try await f.member(f.aurora, adminEmail, roles: [.superAdmin])
            let admin = try await StaffFixture.signIn(client, f.aurora, adminEmail)
            let sales = try await f.roleID(f.aurora, "Sales")
            let fresh = StaffFixture.email("fresh", f.aurora)
            let invites: [([String: String], HTTPResponse.Status, String)] = [
                (["email": "", "name": "N", "role_\(sales)": "on"], .badRequest, "email"),
                (["email": "not-an-email", "name": "N", "role_\(sales)": "on"], .badRequest, "email"),
                (["email": fresh, "name": "", "role_\(sales)": "on"], .badRequest, "name"),
                (["email": fresh, "name": "N"], .badRequest, "roles"),
                (["email": fresh, "name": "N", "role_not-a-uuid": "on"], .badRequest, "roles"),
                (["email": fresh, "name": "N", "role_\(UUID().uuidString)": "on"], .badRequest, "roles"),
                (["email": adminEmail, "name": "Again", "role_\(sales)": "on"], .conflict, "email"),
            ]
            // MUT / validate
            for (fields, status, field) in invites {
                let r = try await admin.post("/admin/staff/invite", fields, csrfFrom: "/admin/staff")
                #expect(r.status == status, "\(fields)")
                #expect(StaffFixture.refusedField(r.body) == field, "\(fields)")
            }
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM users WHERE email = '\(fresh)'") == 0)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM outbox WHERE to_address = '\(fresh)'") == 0)
            let roleForms: [([String: String], HTTPResponse.Status, String)] = [
                (["name": "", "perm_audit_view": "on"], .badRequest, "name"),
                (["name": String(repeating: "r", count: 61), "perm_audit_view": "on"], .badRequest, "name"),
                (["name": "Nothing allowed"], .badRequest, "permissions"),
                (["name": "Made up", "perm_launch_missiles": "on"], .badRequest, "permissions"),
                (["name": "sales", "perm_audit_view": "on"], .conflict, "name"),
                (["name": "Long text", "description": String(repeating: "d", count: 501), "perm_audit_view": "on"], .badRequest, "description"),
            ]
            for (fields, status, field) in roleForms {
                let r = try await admin.post("/admin/roles", fields, csrfFrom: "/admin/roles")
                #expect(r.status == status, "\(fields)")
                #expect(StaffFixture.refusedField(r.body) == field, "\(fields)")
            }
            #expect(try await f.count(f.aurora, """
                SELECT count(*)::int FROM roles WHERE name IN ('', 'Nothing allowed', 'Made up', 'Long text') OR name LIKE 'rrrrr%'
                """) == 0)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM roles WHERE lower(name) = 'sales'") == 1)
            // a member's roles: none chosen
            let none = try await admin.post("/admin/staff/\(adminID.uuidString.lowercased())/roles", [:], csrfFrom: "/admin/staff")
            #expect(none.status == .badRequest)
            #expect(StaffFixture.refusedField(none.body) == "roles")
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM user_roles WHERE user_id = '\(adminID.uuidString.lowercased())'") == 1)
            // unknown member and role ids are 404s
            #expect(try await admin.get("/admin/staff/\(UUID().uuidString)").status == .notFound)
            #expect(try await admin.get("/admin/roles/not-an-id").status == .notFound)
            #expect(try await admin.post("/admin/staff/\(UUID().uuidString)/deactivate", [:], csrfFrom: "/admin/staff").status == .notFound)
        }
    }
}
