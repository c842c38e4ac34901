import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

/// Custom roles: built in the matrix editor, assigned, and their limits hold on the next request.
/// Built-in roles are read-only (the AP005 trigger, reported on `role`); a role in use is not deleted.
@Suite("Custom roles", .timeLimit(.minutes(3)))
struct RoleAdminTests {
    @Test("a custom role is created, assigned and its limits hold; an edit takes effect on the member's next request")
    func createAssignLimits() async throws {
        try await StaffFixture.with { f, client in
            // setup
            let adminEmail = StaffFixture.email("admin", f.aurora)
            _ = try await f.member(f.aurora, adminEmail, roles: [.superAdmin])
            let admin = try await StaffFixture.signIn(client, f.aurora, adminEmail)
            let name = "KYC desk \(UUID().uuidString.prefix(6))"
            // MUT: create
            let created = try await admin.post("/admin/roles", ["name": name, "description": "First-line KYC", "perm_kyc_review": "on", "perm_audit_view": "on"],
                                               csrfFrom: "/admin/roles")
            // validate
            #expect(created.status == .seeOther)
            let roleID = try await f.roleID(f.aurora, name)
            #expect(created.headers[.location] == "/admin/roles/\(roleID)?done=role_created")
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM role_permissions WHERE role_id = '\(roleID)'") == 2)
            let matrix = try await admin.get("/admin/roles")
            #expect(matrix.body.contains(#"<td data-role="\#(name)" data-held="yes">"#))
            #expect(matrix.body.contains("Review KYC cases and decide them."))
            // assign it to a member who had no role
            let memberEmail = StaffFixture.email("kyc", f.aurora)
            let member = try await f.member(f.aurora, memberEmail, roles: [])
            let assigned = try await admin.post("/admin/staff/\(member.uuidString.lowercased())/roles", ["role_\(roleID)": "on"], csrfFrom: "/admin/staff")
            #expect(assigned.status == .seeOther)
            let web = try await StaffFixture.signIn(client, f.aurora, memberEmail)
            #expect(try await web.get("/admin/kyc").status == .ok)
            #expect(try await web.get("/admin/audit").status == .ok)
            #expect(try await web.get("/admin/payments/withdrawals").status == .forbidden)
            #expect(try await web.get("/admin/trading").status == .forbidden)
            #expect(try await web.get("/admin/staff").status == .forbidden)
            #expect(try await web.get("/admin/roles").status == .forbidden)
            // MUT: the role loses audit.view
            let edited = try await admin.post("/admin/roles/\(roleID)", ["name": name, "description": "First-line KYC", "perm_kyc_review": "on"],
                                              csrfFrom: "/admin/roles/\(roleID)")
            #expect(edited.status == .seeOther)
            #expect(try await web.get("/admin/audit").status == .forbidden)
            #expect(try await web.get("/admin/kyc").status == .ok)
            // audited with before and after
            let (createdRows, updated) = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                (try await tx.query("SELECT count(*)::int FROM audit_log WHERE action = 'role.created' AND subject = \("role:" + roleID)").collect().first?.decode(Int.self),
                 try await tx.query("SELECT before::text, after::text FROM audit_log WHERE action = 'role.updated' AND subject = \("role:" + roleID)")
                    .collect().first?.decode((String, String).self))
            }
            #expect(createdRows == 1)
            let (before, after) = try #require(updated)
            #expect(before.contains("audit.view") && before.contains("kyc.review"))
            #expect(!after.contains("audit.view") && after.contains("kyc.review"))
        }
    }

    @Test("built-in roles are read-only: an edit or a delete is refused on `role` by the database trigger, nothing changes")
    func builtinReadOnly() async throws {
        try await StaffFixture.with { f, client in
            // setup
            let adminEmail = StaffFixture.email("admin", f.aurora)
            _ = try await f.member(f.aurora, adminEmail, roles: [.superAdmin])
            let admin = try await StaffFixture.signIn(client, f.aurora, adminEmail)
            let sales = try await f.roleID(f.aurora, "Sales")
            let before = try await f.count(f.aurora, "SELECT count(*)::int FROM role_permissions WHERE role_id = '\(sales)'")
            let page = try await admin.get("/admin/roles/\(sales)")
            #expect(page.status == .ok)
            #expect(page.body.contains(#"data-builtin="yes""#))
            #expect(!page.body.contains(#"id="role-edit""#))
            // MUT
            let edit = try await admin.post("/admin/roles/\(sales)", ["name": "Sales", "perm_finance_view": "on", "perm_clients_view": "on"],
                                            csrfFrom: "/admin/roles")
            let delete = try await admin.post("/admin/roles/\(sales)/delete", [:], csrfFrom: "/admin/roles")
            // validate
            for r in [edit, delete] {
                #expect(r.status == .forbidden)
                #expect(StaffFixture.refusedField(r.body) == "role")
                #expect(r.body.contains("Sales is a built-in role and cannot be changed or deleted"))
            }
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM role_permissions WHERE role_id = '\(sales)'") == before)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM role_permissions WHERE role_id = '\(sales)' AND permission = 'finance.view'") == 0)
            // The domain code reports the trigger's refusal the same way.
            await #expect(throws: StaffAdminError(field: "role", .builtinReadOnly, detail: "Sales")) {
                try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                    try await Roles.update(id: try #require(UUID(uuidString: sales)), name: "Sales", description: "", permissions: [.financeView],
                                           grantor: Set(Permission.allCases), actor: "test", requestID: "", in: tx)
                }
            }
        }
    }

    @Test("a role in use is not deleted: the refusal names its holders; once nobody holds it, it is deleted and audited")
    func deleteInUse() async throws {
        try await StaffFixture.with { f, client in
            // setup
            let adminEmail = StaffFixture.email("admin", f.aurora)
            _ = try await f.member(f.aurora, adminEmail, roles: [.superAdmin])
            let admin = try await StaffFixture.signIn(client, f.aurora, adminEmail)
            let name = "Temp role \(UUID().uuidString.prefix(6))"
            #expect(try await admin.post("/admin/roles", ["name": name, "perm_reports_view": "on"], csrfFrom: "/admin/roles").status == .seeOther)
            let roleID = try await f.roleID(f.aurora, name)
            let holderEmail = StaffFixture.email("holder", f.aurora)
            let holder = try await f.member(f.aurora, holderEmail, roles: [])
            #expect(try await admin.post("/admin/staff/\(holder.uuidString.lowercased())/roles", ["role_\(roleID)": "on"], csrfFrom: "/admin/staff").status == .seeOther)
            // MUT: delete while held
            let refused = try await admin.post("/admin/roles/\(roleID)/delete", [:], csrfFrom: "/admin/roles/\(roleID)")
            // validate
            #expect(refused.status == .conflict)
            #expect(StaffFixture.refusedField(refused.body) == "role")
            #expect(refused.body.contains("still held by \(holderEmail)"))
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM roles WHERE id = '\(roleID)'") == 1)
            // the holder moves to Support; the role goes
            let support = try await f.roleID(f.aurora, "Support")
            #expect(try await admin.post("/admin/staff/\(holder.uuidString.lowercased())/roles", ["role_\(support)": "on"], csrfFrom: "/admin/staff").status == .seeOther)
            let deleted = try await admin.post("/admin/roles/\(roleID)/delete", [:], csrfFrom: "/admin/roles/\(roleID)")
            #expect(deleted.status == .seeOther)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM roles WHERE id = '\(roleID)'") == 0)
            #expect(try await f.count(f.aurora, """
                SELECT count(*)::int FROM audit_log WHERE action = 'role.deleted' AND subject = 'role:\(roleID)' AND before::text LIKE '%reports.view%'
                """) == 1)
            #expect(try await f.count(f.aurora, """
                SELECT count(*)::int FROM audit_log WHERE action = 'staff.roles_changed' AND subject = 'staff:\(holder.uuidString.lowercased())'
                """) == 2)
        }
    }
}
