import AtriumCore
import AtriumCRM
import Foundation
import HTTPTypes
import Testing

/// `/admin/leads`: every built-in role against the board, moves and assignment; a Sales agent's
/// view limited to their own leads; bad moves and bad assignments refused naming the field, nothing written.
@Suite("Back Office leads pipeline", .timeLimit(.minutes(3)))
struct LeadPipelineTests {
    @Test("each built-in role against the board, a move and a bulk assignment")
    func roles() async throws {
        try await CRMFixture.with { f, client in
            for (role, email) in CRMFixture.roles {
                // setup: a lead of Sales, so the Sales member may move it
                let lead = try await f.trader("role-\(role == .superAdmin ? "sa" : role.rawValue.lowercased())", agent: "sales@aurora.test")
                let id = lead.id.uuidString.lowercased()
                let web = try await CRMFixture.signIn(client, email)
                // MUT / validate
                let board = try await web.get("/admin/leads")
                #expect(board.status == .ok, "\(role) GET /admin/leads")
                #expect(board.body.contains(lead.email), "\(role) sees the lead")
                let edits = role == .superAdmin || role == .sales
                let moved = try await web.post("/admin/leads/\(id)/stage", ["stage": "contacted", "reason": ""], csrfFrom: "/admin/leads")
                #expect(moved.status == (edits ? .seeOther : .forbidden), "\(role) POST stage")
                #expect(try await f.count("SELECT count(*)::int FROM leads WHERE client_id = '\(id)' AND stage = 'contacted'") == (edits ? 1 : 0))
                #expect(try await f.count("SELECT count(*)::int FROM lead_events WHERE client_id = '\(id)' AND from_stage = 'new' AND to_stage = 'contacted'") == (edits ? 1 : 0))
                #expect(board.body.contains(#"action="/admin/leads/\#(id)/stage""#) == edits, "\(role) sees the move form")
                let assigns = role == .superAdmin
                let target = try f.id("sales2@aurora.test")
                let assigned = try await web.post("/admin/leads/assign", ["agent": target.uuidString, "client_\(id)": "on"], csrfFrom: "/admin/leads")
                #expect(assigned.status == (assigns ? .seeOther : .forbidden), "\(role) POST assign")
                #expect(try await f.count("SELECT count(*)::int FROM client_agents WHERE client_id = '\(id)' AND agent_id = '\(target.uuidString.lowercased())'") == (assigns ? 1 : 0))
                #expect(board.body.contains(#"id="bulk-assign""#) == assigns, "\(role) sees the bulk form")
            }
        }
    }

    @Test("staff without clients.view get 403 on every leads and tasks route, and nothing is written")
    func withoutClientsView() async throws {
        try await CRMFixture.with { f, client in
            // setup
            let lead = try await f.trader("no-view")
            let id = lead.id.uuidString.lowercased()
            let task = try await f.task("No view \(id.prefix(8))", by: "admin@aurora.test", for: "auditor@aurora.test").uuidString.lowercased()
            let auditor = try await CRMFixture.signIn(client, "auditor@aurora.test")
            let me = try f.id("auditor@aurora.test").uuidString
            // MUT / validate
            for path in ["/admin/leads", "/admin/tasks", "/admin/tasks?view=all", "/admin/tasks/new", "/admin/tasks/new?client=\(id)"] {
                #expect(try await auditor.get(path).status == .forbidden, "GET \(path)")
            }
            let posts: [(String, [String: String])] = [
                ("/admin/leads/\(id)/stage", ["stage": "contacted"]),
                ("/admin/leads/assign", ["agent": me, "client_\(id)": "on"]),
                ("/admin/tasks/new", ["title": "Sneak \(id)", "due_at": "2099-01-01T10:00", "assignee": me]),
                ("/admin/tasks/\(task)/done", [:]),
                ("/admin/tasks/\(task)/cancel", [:]),
            ]
            for (path, fields) in posts {
                #expect(try await auditor.post(path, fields, csrfFrom: "/admin").status == .forbidden, "POST \(path)")
            }
            #expect(try await f.count("SELECT count(*)::int FROM leads WHERE client_id = '\(id)'") == 0)
            #expect(try await f.count("SELECT count(*)::int FROM client_agents WHERE client_id = '\(id)'") == 0)
            #expect(try await f.count("SELECT count(*)::int FROM tasks WHERE title = 'Sneak \(id)'") == 0)
            #expect(try await f.count("SELECT count(*)::int FROM tasks WHERE id = '\(task)' AND status = 'open'") == 1)
            let header = try await auditor.get("/admin").body
            #expect(!header.contains(#"href="/admin/leads""#) && !header.contains(#"href="/admin/tasks""#))
        }
    }

    @Test("a lead moves new → contacted → documents → lost with a reason, each move in lead_events and the audit log")
    func moves() async throws {
        try await CRMFixture.with { f, client in
            // setup
            let lead = try await f.trader("mover")
            let id = lead.id.uuidString.lowercased()
            let admin = try await CRMFixture.signIn(client, "admin@aurora.test")
            // MUT
            for (stage, reason) in [("contacted", ""), ("documents", ""), ("lost", "Chose another broker"), ("contacted", "")] {
                #expect(try await admin.post("/admin/leads/\(id)/stage", ["stage": stage, "reason": reason], csrfFrom: "/admin/leads").status == .seeOther)
            }
            // validate
            let events = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                try await tx.query("SELECT from_stage || '>' || to_stage || ':' || coalesce(reason, '') FROM lead_events WHERE client_id = \(lead.id) ORDER BY id")
                    .collect().map { try $0.decode(String.self) }
            }
            #expect(events == ["new>contacted:", "contacted>documents:", "documents>lost:Chose another broker", "lost>contacted:"])
            #expect(try await f.count("SELECT count(*)::int FROM leads WHERE client_id = '\(id)' AND stage = 'contacted' AND lost_reason IS NULL") == 1)
            let admin0 = try f.id("admin@aurora.test").uuidString.lowercased()
            #expect(try await f.count("SELECT count(*)::int FROM audit_log WHERE action = 'lead.stage' AND subject = 'trader:\(id)' AND actor = 'staff:\(admin0)'") == 4)
            #expect(try await f.count("SELECT count(*)::int FROM audit_log WHERE action = 'lead.stage' AND subject = 'trader:\(id)' AND after->>'reason' = 'Chose another broker'") == 1)
            // the board shows it under its stage
            let board = try await admin.get("/admin/leads").body
            let section = try #require(board.components(separatedBy: #"id="stage-contacted""#).dropFirst().first?.components(separatedBy: "</section>").first)
            #expect(section.contains(lead.email))
            // only a lost lead shows a reason
            let row = try #require(section.components(separatedBy: #"data-lead="\#(id)""#).dropFirst().first?.components(separatedBy: "</tr>").first)
            #expect(!row.contains("data-lost-reason"))
        }
    }

    @Test("bad moves are refused naming the field, and nothing is written")
    func badMoves() async throws {
        try await CRMFixture.with { f, client in
            // setup
            let lead = try await f.trader("badmove")
            let id = lead.id.uuidString.lowercased()
            let admin = try await CRMFixture.signIn(client, "admin@aurora.test")
            let cases: [([String: String], String, HTTPResponse.Status)] = [
                (["stage": "lost", "reason": "  "], "reason", .badRequest),
                (["stage": "lost", "reason": String(repeating: "r", count: 501)], "reason", .badRequest),
                (["stage": "won", "reason": ""], "stage", .badRequest),
                (["stage": "", "reason": ""], "stage", .badRequest),
                (["stage": "funded", "reason": ""], "stage", .unprocessableContent),
            ]
            for (fields, field, status) in cases {
                // MUT
                let r = try await admin.post("/admin/leads/\(id)/stage", fields, csrfFrom: "/admin/leads")
                // validate
                #expect(r.status == status, "\(fields)")
                #expect(r.body.contains(#"data-field="\#(field)""#), "\(fields) names \(field)")
            }
            #expect(try await f.count("SELECT count(*)::int FROM leads WHERE client_id = '\(id)'") == 0)
            #expect(try await f.count("SELECT count(*)::int FROM lead_events WHERE client_id = '\(id)'") == 0)
            #expect(try await f.count("SELECT count(*)::int FROM audit_log WHERE subject = 'trader:\(id)' AND action = 'lead.stage'") == 0)
            // an unknown client or a staff id is a 404
            #expect(try await admin.post("/admin/leads/\(UUID().uuidString)/stage", ["stage": "contacted"], csrfFrom: "/admin/leads").status == .notFound)
            let staffID = try f.id("support@aurora.test").uuidString.lowercased()
            #expect(try await admin.post("/admin/leads/\(staffID)/stage", ["stage": "contacted"], csrfFrom: "/admin/leads").status == .notFound)
            #expect(try await f.count("SELECT count(*)::int FROM leads WHERE client_id = '\(staffID)'") == 0)
        }
    }

    @Test("bad assignments are refused naming the field; one bad id in a bulk assignment writes nothing")
    func badAssignments() async throws {
        try await CRMFixture.with { f, client in
            // setup
            let a = try await f.trader("bulk-a", agent: "sales@aurora.test")
            let b = try await f.trader("bulk-b")
            let other = try await f.trader("bulk-trader")
            let admin = try await CRMFixture.signIn(client, "admin@aurora.test")
            let sales2 = try f.id("sales2@aurora.test").uuidString
            let selected = ["client_\(a.id.uuidString.lowercased())": "on", "client_\(b.id.uuidString.lowercased())": "on"]
            let auditSQL = "SELECT count(*)::int FROM audit_log WHERE action = 'client.agent_assigned' AND subject IN ('trader:\(a.id.uuidString.lowercased())', 'trader:\(b.id.uuidString.lowercased())')"
            let audit = try await f.count(auditSQL)
            let cases: [([String: String], String, HTTPResponse.Status)] = [
                (selected.merging(["agent": other.id.uuidString]) { _, n in n }, "agent", .unprocessableContent),
                (selected.merging(["agent": try f.id("gone@aurora.test").uuidString]) { _, n in n }, "agent", .unprocessableContent),
                (selected.merging(["agent": UUID().uuidString]) { _, n in n }, "agent", .unprocessableContent),
                (selected.merging(["agent": ""]) { _, n in n }, "agent", .badRequest),
                (["agent": sales2], "clients", .badRequest),
                (selected.merging(["agent": sales2, "client_\(UUID().uuidString.lowercased())": "on"]) { _, n in n }, "clients", .notFound),
                (selected.merging(["agent": sales2, "client_\(try f.id("support@aurora.test").uuidString.lowercased())": "on"]) { _, n in n }, "clients", .notFound),
                (selected.merging(["agent": sales2, "client_nope": "on"]) { _, n in n }, "clients", .badRequest),
            ]
            for (fields, field, status) in cases {
                // MUT
                let r = try await admin.post("/admin/leads/assign", fields, csrfFrom: "/admin/leads")
                // validate
                #expect(r.status == status, "\(fields)")
                #expect(r.body.contains(#"data-field="\#(field)""#), "\(fields) names \(field)")
            }
            let salesID = try f.id("sales@aurora.test").uuidString.lowercased()
            #expect(try await f.count("SELECT count(*)::int FROM client_agents WHERE client_id = '\(a.id.uuidString.lowercased())' AND agent_id = '\(salesID)'") == 1)
            #expect(try await f.count("SELECT count(*)::int FROM client_agents WHERE client_id = '\(b.id.uuidString.lowercased())'") == 0)
            #expect(try await f.count(auditSQL) == audit)
            // the good batch: both move to Sales 2, each audited
            #expect(try await admin.post("/admin/leads/assign", selected.merging(["agent": sales2]) { _, n in n }, csrfFrom: "/admin/leads").status == .seeOther)
            #expect(try await f.count("SELECT count(*)::int FROM client_agents WHERE client_id IN ('\(a.id.uuidString.lowercased())', '\(b.id.uuidString.lowercased())') AND agent_id = '\(sales2.lowercased())'") == 2)
            #expect(try await f.count(auditSQL) == audit + 2)
            #expect(try await f.count("SELECT count(*)::int FROM audit_log WHERE action = 'client.agent_assigned' AND subject = 'trader:\(a.id.uuidString.lowercased())' AND before->>'agent' = '\(salesID)'") == 1)
        }
    }

    @Test("a Sales agent sees and moves only their own leads; Kite's staff never see Aurora's")
    func scoping() async throws {
        try await CRMFixture.with { f, client in
            // setup
            let mine = try await f.trader("scope-mine", agent: "sales@aurora.test")
            let theirs = try await f.trader("scope-theirs", agent: "sales2@aurora.test")
            let nobody = try await f.trader("scope-nobody")
            let sales = try await CRMFixture.signIn(client, "sales@aurora.test")
            // MUT / validate
            let board = try await sales.get("/admin/leads").body
            #expect(board.contains(mine.email))
            #expect(!board.contains(theirs.email) && !board.contains(nobody.email))
            let refused = try await sales.post("/admin/leads/\(theirs.id.uuidString.lowercased())/stage", ["stage": "contacted"], csrfFrom: "/admin/leads")
            #expect(refused.status == .notFound)
            #expect(try await f.count("SELECT count(*)::int FROM leads WHERE client_id = '\(theirs.id.uuidString.lowercased())'") == 0)
            // the domain query is scoped the same way: the agent's "new" leads hold theirs only
            let scoped = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                try await Leads.list(.new, scope: .assigned(to: try f.id("sales@aurora.test")), in: tx).map(\.email)
            }
            #expect(scoped.contains(mine.email) && !scoped.contains(theirs.email) && !scoped.contains(nobody.email))
            let support = try await CRMFixture.signIn(client, "support@aurora.test")
            let all = try await support.get("/admin/leads").body
            #expect(all.contains(mine.email) && all.contains(theirs.email) && all.contains(nobody.email))
            let kite = try await CRMFixture.signIn(client, "admin@kite.test", brand: "kite")
            #expect(!(try await kite.get("/admin/leads").body.contains(mine.email)))
            #expect(try await kite.post("/admin/leads/\(mine.id.uuidString.lowercased())/stage", ["stage": "contacted"], csrfFrom: "/admin/leads").status == .notFound)
            #expect(try await f.count("SELECT count(*)::int FROM leads WHERE client_id = '\(mine.id.uuidString.lowercased())'") == 0)
        }
    }
}
