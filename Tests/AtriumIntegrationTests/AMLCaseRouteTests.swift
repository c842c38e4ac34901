import AtriumCompliance
import AtriumIdentity
import AtriumTenancy
import Foundation
import HTTPTypes
import Testing

/// The AML cases screens: who may open them, notes, the assignee, decisions, freezing, and a case
/// of another brand.
@Suite("AML case screens")
struct AMLCaseRouteTests {
    /// A client of `tenant` with one structuring alert filed in a new open case; returns (client, case).
    static func openCase(_ f: AMLFixture, in tenant: TenantRecord? = nil) async throws -> (UUID, UUID) {
        let client = try await f.client("Case Client", in: tenant)
        let finding = AMLFinding(key: AMLFixture.tag(), facts: ["count": .int(3), "total_minor": .int(2_920_000)])
        let caseID = try await f.tx(tenant) { tx in
            let alert = try #require(try await AMLAlerts.open(rule: "structuring", client: client, finding: finding, in: tx))
            return try #require(try await tx.query("SELECT case_id FROM aml_alerts WHERE id = \(alert)").collect().first?.decode(UUID.self))
        }
        return (client, caseID)
    }

    @Test("each built-in role against the list, the case page and a note: only aml.review holders get in", arguments: BuiltinRole.allCases)
    func roles(role: BuiltinRole) async throws {
        try await AMLFixture.with { f, client in
            let (_, caseID) = try await Self.openCase(f)
            let id = caseID.uuidString.lowercased()
            let web = try await AMLFixture.signIn(client, f.aurora, try await f.member(f.aurora, roles: [role]))
            let allowed = role == .superAdmin || role == .compliance
            let list = try await web.get("/admin/aml")
            let page = try await web.get("/admin/aml/\(id)")
            #expect(list.status == (allowed ? .ok : .forbidden), "\(role) list")
            #expect(page.status == (allowed ? .ok : .forbidden), "\(role) case")
            if allowed {
                #expect(list.body.contains("data-case=\"\(id)\""))
                #expect(page.body.contains("data-fact=\"total_minor\">2920000<"))
            }
            let csrf = FormClient.csrfToken(in: (try await web.get("/admin")).body)
            let note = try await web.post("/admin/aml/\(id)/notes", ["body": "Looked at the deposits", "_csrf": csrf], csrf: false)
            #expect(note.status == (allowed ? .seeOther : .forbidden), "\(role) note")
            #expect(try await f.count("SELECT count(*)::int FROM aml_case_notes WHERE case_id = '\(caseID)'") == (allowed ? 1 : 0))
        }
    }

    @Test("notes are append-only; an empty note is refused naming the field and nothing is written")
    func notes() async throws {
        try await AMLFixture.with { f, client in
            let (_, caseID) = try await Self.openCase(f)
            let id = caseID.uuidString.lowercased()
            let web = try await AMLFixture.signIn(client, f.aurora, try await f.member(f.aurora, roles: [.compliance]))
            let ok = try await web.post("/admin/aml/\(id)/notes", ["body": "First look: three deposits"], csrfFrom: "/admin/aml/\(id)")
            #expect(ok.status == .seeOther)
            let empty = try await web.post("/admin/aml/\(id)/notes", ["body": "   "], csrfFrom: "/admin/aml/\(id)")
            #expect(empty.status == .badRequest)
            #expect(empty.body.contains("data-field=\"body\""))
            #expect(try await f.count("SELECT count(*)::int FROM aml_case_notes WHERE case_id = '\(caseID)'") == 1)
            await #expect(throws: (any Error).self) {
                try await f.tx { tx in _ = try await tx.query("UPDATE aml_case_notes SET body = 'rewritten' WHERE case_id = \(caseID)").collect() }
            }
            await #expect(throws: (any Error).self) {
                try await f.tx { tx in _ = try await tx.query("DELETE FROM aml_case_notes WHERE case_id = \(caseID)").collect() }
            }
            #expect(try await f.count("SELECT count(*)::int FROM aml_case_notes WHERE case_id = '\(caseID)' AND body = 'First look: three deposits'") == 1)
            #expect(try await f.count("SELECT count(*)::int FROM audit_log WHERE action = 'aml.case_note_added' AND subject = '\(id)'") == 1)
        }
    }

    @Test("freeze: the case is frozen, the client has an active aml freeze referencing the case, and both are audited")
    func freeze() async throws {
        try await AMLFixture.with { f, client in
            let (trader, caseID) = try await Self.openCase(f)
            let id = caseID.uuidString.lowercased()
            let web = try await AMLFixture.signIn(client, f.aurora, try await f.member(f.aurora, roles: [.compliance]))
            let noReason = try await web.post("/admin/aml/\(id)/decide", ["decision": "freeze", "note": ""], csrfFrom: "/admin/aml/\(id)")
            #expect(noReason.status == .badRequest)
            #expect(noReason.body.contains("data-field=\"note\""))
            #expect(try await f.count("SELECT count(*)::int FROM account_freezes WHERE client_id = '\(trader)'") == 0)
            let r = try await web.post("/admin/aml/\(id)/decide", ["decision": "freeze", "note": "Structuring confirmed"], csrfFrom: "/admin/aml/\(id)")
            #expect(r.status == .seeOther)
            #expect(try await f.count("SELECT count(*)::int FROM aml_cases WHERE id = '\(caseID)' AND status = 'frozen'") == 1)
            let active = try await f.tx { tx in try await AccountFreezes.active(trader, in: tx) }
            #expect(active?.origin == .aml)
            #expect(active?.reference == caseID)
            #expect(active?.reason == "Structuring confirmed")
            #expect(try await f.count("SELECT count(*)::int FROM audit_log WHERE action = 'account.frozen' AND subject = '\(trader.uuidString.lowercased())'") == 1)
            #expect(try await f.count("SELECT count(*)::int FROM audit_log WHERE action = 'aml.case_decided' AND subject = '\(id)'") == 1)
            let page = try await web.get("/admin/aml/\(id)")
            #expect(page.body.contains("id=\"aml-frozen\""))
            let again = try await web.post("/admin/aml/\(id)/decide", ["decision": "dismiss", "note": "too late"], csrfFrom: "/admin/aml/\(id)")
            #expect(again.status == .conflict)
            #expect(try await f.count("SELECT count(*)::int FROM aml_cases WHERE id = '\(caseID)' AND status = 'frozen'") == 1)
        }
    }

    @Test("escalate then dismiss; the assignee must be active staff")
    func escalateDismissAssign() async throws {
        try await AMLFixture.with { f, client in
            let (trader, caseID) = try await Self.openCase(f)
            let id = caseID.uuidString.lowercased()
            let email = try await f.member(f.aurora, roles: [.compliance])
            let web = try await AMLFixture.signIn(client, f.aurora, email)
            let officer = try #require(try await f.tx { tx in
                try await tx.query("SELECT id FROM users WHERE audience = 'staff' AND email = \(email)").collect().first?.decode(UUID.self)
            })
            #expect(try await web.post("/admin/aml/\(id)/assign", ["assignee": officer.uuidString.lowercased()], csrfFrom: "/admin/aml/\(id)").status == .seeOther)
            #expect(try await f.count("SELECT count(*)::int FROM aml_cases WHERE id = '\(caseID)' AND assignee_id = '\(officer)'") == 1)
            let bad = try await web.post("/admin/aml/\(id)/assign", ["assignee": trader.uuidString.lowercased()], csrfFrom: "/admin/aml/\(id)")
            #expect(bad.status == .badRequest)
            #expect(bad.body.contains("data-field=\"assignee\""))
            #expect(try await f.count("SELECT count(*)::int FROM aml_cases WHERE id = '\(caseID)' AND assignee_id = '\(officer)'") == 1)
            #expect(try await web.post("/admin/aml/\(id)/decide", ["decision": "escalate", "note": "Needs MLRO"], csrfFrom: "/admin/aml/\(id)").status == .seeOther)
            #expect(try await f.count("SELECT count(*)::int FROM aml_cases WHERE id = '\(caseID)' AND status = 'escalated'") == 1)
            let list = try await web.get("/admin/aml?status=escalated&rule=structuring")
            #expect(list.body.contains("data-case=\"\(id)\""))
            #expect(!(try await web.get("/admin/aml?status=dismissed")).body.contains("data-case=\"\(id)\""))
            #expect(try await web.post("/admin/aml/\(id)/decide", ["decision": "dismiss", "note": "Explained by salary"], csrfFrom: "/admin/aml/\(id)").status == .seeOther)
            #expect(try await f.count("SELECT count(*)::int FROM aml_cases WHERE id = '\(caseID)' AND status = 'dismissed' AND decision_note = 'Explained by salary'") == 1)
            #expect(try await f.count("SELECT count(*)::int FROM account_freezes WHERE client_id = '\(trader)'") == 0)
            #expect(try await f.count("SELECT count(*)::int FROM audit_log WHERE action = 'aml.case_decided' AND subject = '\(id)'") == 2)
        }
    }

    @Test("freezing a case of another brand is a 404 and changes nothing there")
    func otherBrand() async throws {
        try await AMLFixture.with { f, client in
            let (foreignClient, foreignCase) = try await Self.openCase(f, in: f.other)
            let id = foreignCase.uuidString.lowercased()
            let web = try await AMLFixture.signIn(client, f.aurora, try await f.member(f.aurora, roles: [.compliance]))
            #expect(try await web.get("/admin/aml/\(id)").status == .notFound)
            let csrf = FormClient.csrfToken(in: (try await web.get("/admin")).body)
            let r = try await web.post("/admin/aml/\(id)/decide", ["decision": "freeze", "note": "Cross-brand", "_csrf": csrf], csrf: false)
            #expect(r.status == .notFound)
            #expect(try await f.count("SELECT count(*)::int FROM account_freezes WHERE client_id = '\(foreignClient)'", in: f.other) == 0)
            #expect(try await f.count("SELECT count(*)::int FROM aml_cases WHERE id = '\(foreignCase)' AND status = 'open'", in: f.other) == 1)
        }
    }
}
