import AtriumCore
import AtriumCRM
import Foundation
import HTTPTypes
import Testing

/// `/admin/tasks`: every built-in role against every screen and form, "my tasks" with overdue first,
/// who may close a task, client scoping, and bad input refused with the field named and nothing written.
@Suite("Back Office tasks", .timeLimit(.minutes(3)))
struct TaskRouteTests {
    @Test("each built-in role against each task screen and form")
    func roles() async throws {
        try await CRMFixture.with { f, client in
            for (role, email) in CRMFixture.roles {
                // setup
                let web = try await CRMFixture.signIn(client, email)
                let title = "Role check \(role.rawValue) \(UUID().uuidString.prefix(6))"
                // MUT / validate: every role holds clients.view; only clients.all sees everyone's tasks
                #expect(try await web.get("/admin/tasks").status == .ok, "\(role) GET /admin/tasks")
                #expect(try await web.get("/admin/tasks?status=all").status == .ok, "\(role) GET status=all")
                #expect(try await web.get("/admin/tasks/new").status == .ok, "\(role) GET /admin/tasks/new")
                let everyone = try await web.get("/admin/tasks?view=all").status
                #expect(everyone == (role == .sales ? .forbidden : .ok), "\(role) GET view=all")
                let header = try await web.get("/admin").body
                #expect(header.contains(#"href="/admin/tasks""#) && header.contains(#"href="/admin/leads""#), "\(role) nav")
                let me = try f.id(email).uuidString.lowercased()
                let created = try await web.post("/admin/tasks/new", ["title": title, "details": "line one\nline two", "due_at": "2099-03-04T10:30",
                                                                      "assignee": me, "client": ""], csrfFrom: "/admin/tasks/new")
                #expect(created.status == .seeOther, "\(role) POST /admin/tasks/new")
                #expect(try await f.count("SELECT count(*)::int FROM tasks WHERE title = '\(title)' AND assignee_id = '\(me)' AND due_at = '2099-03-04 10:30+00'") == 1)
                let id = try await taskID(f, title)
                #expect(try await web.get("/admin/tasks").body.contains(title))
                #expect(try await web.post("/admin/tasks/\(id)/done", [:], csrfFrom: "/admin/tasks/new").status == .seeOther, "\(role) done")
                #expect(try await f.count("SELECT count(*)::int FROM tasks WHERE id = '\(id)' AND status = 'done' AND completed_at IS NOT NULL") == 1)
                #expect(try await f.count("SELECT count(*)::int FROM audit_log WHERE action = 'task.created' AND subject = 'task:\(id)' AND actor = 'staff:\(me)'") == 1)
                #expect(try await f.count("SELECT count(*)::int FROM audit_log WHERE action = 'task.done' AND subject = 'task:\(id)'") == 1)
            }
        }
    }

    func taskID(_ f: CRMFixture, _ title: String) async throws -> String {
        try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
            try #require(try await tx.query("SELECT id FROM tasks WHERE title = \(title)").collect().first?.decode(UUID.self)).uuidString.lowercased()
        }
    }

    @Test("my tasks: open tasks assigned to me, overdue first and marked; done and all filters")
    func myTasks() async throws {
        try await CRMFixture.with { f, client in
            // setup
            let tag = UUID().uuidString.prefix(6)
            let later = try await f.task("Later \(tag)", by: "admin@aurora.test", for: "support@aurora.test", due: "2099-01-01T09:00")
            let overdue = try await f.task("Overdue \(tag)", by: "admin@aurora.test", for: "support@aurora.test", due: "2020-01-01T09:00")
            let other = try await f.task("Not mine \(tag)", by: "admin@aurora.test", for: "finance@aurora.test")
            let closed = try await f.task("Closed \(tag)", by: "admin@aurora.test", for: "support@aurora.test")
            let support = try await CRMFixture.signIn(client, "support@aurora.test")
            #expect(try await support.post("/admin/tasks/\(closed.uuidString.lowercased())/cancel", [:], csrfFrom: "/admin/tasks/new").status == .seeOther)
            // MUT
            let page = try await support.get("/admin/tasks").body
            // validate
            let (o, l) = (try #require(page.range(of: "Overdue \(tag)")), try #require(page.range(of: "Later \(tag)")))
            #expect(o.lowerBound < l.lowerBound)
            #expect(page.contains(#"data-task="\#(overdue.uuidString.lowercased())" data-status="open" class="task-overdue" data-overdue="true""#))
            #expect(page.contains(#"data-task="\#(later.uuidString.lowercased())" data-status="open">"#))
            #expect(!page.contains("Not mine \(tag)") && !page.contains("Closed \(tag)"))
            #expect(page.contains(#"id="overdue-summary""#))
            #expect(!(try await support.get("/admin/tasks?status=done").body.contains(#"id="overdue-summary""#)))
            let done = try await support.get("/admin/tasks?status=done").body
            #expect(done.contains("Closed \(tag)") && !done.contains("Later \(tag)"))
            #expect(try await f.count("SELECT count(*)::int FROM tasks WHERE id = '\(closed.uuidString.lowercased())' AND status = 'cancelled'") == 1)
            let all = try await support.get("/admin/tasks?status=all").body
            #expect(all.contains("Closed \(tag)") && all.contains("Later \(tag)") && all.contains("Overdue \(tag)"))
            // everyone's tasks (clients.all) include the Finance member's
            #expect(try await support.get("/admin/tasks?view=all").body.contains("Not mine \(tag)"))
            _ = other
        }
    }

    @Test("only the assignee, the creator or clients.all close a task, and only once")
    func whoCloses() async throws {
        try await CRMFixture.with { f, client in
            // setup: Support made it for Sales 2; Sales (neither, no clients.all) may not close it
            let id = try await f.task("Close rights", by: "support@aurora.test", for: "sales2@aurora.test").uuidString.lowercased()
            let sales = try await CRMFixture.signIn(client, "sales@aurora.test")
            // MUT / validate
            let refused = try await sales.post("/admin/tasks/\(id)/done", [:], csrfFrom: "/admin/tasks/new")
            #expect(refused.status == .forbidden)
            #expect(refused.body.contains(#"data-field="task""#))
            #expect(try await f.count("SELECT count(*)::int FROM tasks WHERE id = '\(id)' AND status = 'open'") == 1)
            let sales2 = try await CRMFixture.signIn(client, "sales2@aurora.test")
            #expect(try await sales2.post("/admin/tasks/\(id)/done", [:], csrfFrom: "/admin/tasks/new").status == .seeOther)
            let again = try await sales2.post("/admin/tasks/\(id)/cancel", [:], csrfFrom: "/admin/tasks/new")
            #expect(again.status == .conflict)
            #expect(try await f.count("SELECT count(*)::int FROM tasks WHERE id = '\(id)' AND status = 'done'") == 1)
            #expect(try await f.count("SELECT count(*)::int FROM audit_log WHERE subject = 'task:\(id)' AND action LIKE 'task.%'") == 2)
            // Compliance holds clients.all: may close a task it neither made nor holds
            let third = try await f.task("Close rights 3", by: "support@aurora.test", for: "sales2@aurora.test").uuidString.lowercased()
            let compliance = try await CRMFixture.signIn(client, "compliance@aurora.test")
            #expect(try await compliance.post("/admin/tasks/\(third)/cancel", [:], csrfFrom: "/admin/tasks/new").status == .seeOther)
            #expect(try await sales.post("/admin/tasks/\(UUID().uuidString)/done", [:], csrfFrom: "/admin/tasks/new").status == .notFound)
        }
    }

    @Test("bad task input is refused naming the field, and nothing is written")
    func badInput() async throws {
        try await CRMFixture.with { f, client in
            // setup
            let admin = try await CRMFixture.signIn(client, "admin@aurora.test")
            let trader = try await f.trader("assignee-trader")
            let me = try f.id("admin@aurora.test").uuidString.lowercased()
            // Other suites' cases write tasks at the same time: count only what this case could have written.
            let tag = "Bad input \(UUID().uuidString.prefix(8))"
            let mineSQL = "SELECT count(*)::int FROM tasks WHERE title LIKE '\(tag)%' OR length(title) > 200 OR length(details) > 5000"
            let auditSQL = "SELECT count(*)::int FROM audit_log WHERE action = 'task.created' AND after->>'title' LIKE '\(tag)%'"
            let good = ["title": tag, "details": "", "due_at": "2099-01-01T10:00", "assignee": me, "client": ""]
            let cases: [([String: String], String, HTTPResponse.Status)] = [
                (["title": "   "], "title", .badRequest),
                (["title": String(repeating: "x", count: 201)], "title", .badRequest),
                (["due_at": ""], "due_at", .badRequest),
                (["due_at": "2026-13-40T10:00"], "due_at", .badRequest),
                (["due_at": "2026-02-30T10:00"], "due_at", .badRequest),
                (["due_at": "tomorrow"], "due_at", .badRequest),
                (["assignee": ""], "assignee", .badRequest),
                (["assignee": UUID().uuidString], "assignee", .unprocessableContent),
                (["assignee": "not-a-uuid"], "assignee", .unprocessableContent),
                (["assignee": trader.id.uuidString], "assignee", .unprocessableContent),
                (["assignee": try f.id("gone@aurora.test").uuidString], "assignee", .unprocessableContent),
                (["details": String(repeating: "d", count: 5001)], "details", .badRequest),
            ]
            for (change, field, status) in cases {
                // MUT
                let r = try await admin.post("/admin/tasks/new", good.merging(change) { _, new in new }, csrfFrom: "/admin/tasks/new")
                // validate
                #expect(r.status == status, "\(change)")
                #expect(r.body.contains(#"data-field="\#(field)""#), "\(change) names \(field)")
            }
            #expect(try await f.count(mineSQL) == 0)
            #expect(try await f.count(auditSQL) == 0)
            // an unknown client: 404, nothing written
            #expect(try await admin.post("/admin/tasks/new", good.merging(["client": UUID().uuidString]) { _, n in n }, csrfFrom: "/admin/tasks/new").status == .notFound)
            #expect(try await f.count(mineSQL) == 0)
            // the same form, corrected, is written once
            #expect(try await admin.post("/admin/tasks/new", good, csrfFrom: "/admin/tasks/new").status == .seeOther)
            #expect(try await f.count(mineSQL) == 1)
            #expect(try await f.count(auditSQL) == 1)
        }
    }

    @Test("a Sales agent sees, creates and closes tasks only about their own clients")
    func scoping() async throws {
        try await CRMFixture.with { f, client in
            // setup
            let mine = try await f.trader("mine", agent: "sales@aurora.test")
            let theirs = try await f.trader("theirs", agent: "sales2@aurora.test")
            let hidden = try await f.task("About theirs", by: "admin@aurora.test", for: "sales@aurora.test", client: theirs.id).uuidString.lowercased()
            let visible = try await f.task("About mine", by: "admin@aurora.test", for: "sales@aurora.test", client: mine.id).uuidString.lowercased()
            let sales = try await CRMFixture.signIn(client, "sales@aurora.test")
            let me = try f.id("sales@aurora.test").uuidString.lowercased()
            // MUT / validate
            let page = try await sales.get("/admin/tasks").body
            #expect(page.contains("About mine") && !page.contains("About theirs") && !page.contains(theirs.email))
            #expect(try await sales.get("/admin/tasks/new?client=\(theirs.id.uuidString)").status == .notFound)
            #expect(try await sales.get("/admin/tasks/new?client=\(mine.id.uuidString)").body.contains("Lead mine"))
            let refused = try await sales.post("/admin/tasks/new", ["title": "Sneak", "due_at": "2099-01-01T10:00", "assignee": me,
                                                                   "client": theirs.id.uuidString], csrfFrom: "/admin/tasks/new")
            #expect(refused.status == .notFound)
            #expect(try await f.count("SELECT count(*)::int FROM tasks WHERE client_id = '\(theirs.id.uuidString.lowercased())'") == 1)
            #expect(try await sales.post("/admin/tasks/\(hidden)/done", [:], csrfFrom: "/admin/tasks/new").status == .notFound)
            #expect(try await f.count("SELECT count(*)::int FROM tasks WHERE id = '\(hidden)' AND status = 'open'") == 1)
            let allowed = try await sales.post("/admin/tasks/new", ["title": "Call mine", "due_at": "2099-01-01T10:00", "assignee": me,
                                                                   "client": mine.id.uuidString], csrfFrom: "/admin/tasks/new")
            #expect(allowed.status == .seeOther)
            #expect(try await f.count("SELECT count(*)::int FROM tasks WHERE client_id = '\(mine.id.uuidString.lowercased())'") == 2)
            #expect(try await sales.post("/admin/tasks/\(visible)/done", [:], csrfFrom: "/admin/tasks/new").status == .seeOther)
            // Kite's Super Admin never reaches Aurora's tasks
            let kite = try await CRMFixture.signIn(client, "admin@kite.test", brand: "kite")
            #expect(try await kite.post("/admin/tasks/\(hidden)/done", [:], csrfFrom: "/admin/tasks/new").status == .notFound)
            #expect(!(try await kite.get("/admin/tasks?view=all").body.contains("About theirs")))
        }
    }
}
