import AtriumCore
import AtriumCRM
import AtriumHTTP
import AtriumIdentity
import AtriumTenancy
import Foundation
import Hummingbird
import Testing

/// A Sales agent works a lead from new to funded in a real browser: contacted, documents, a task
/// about the client, then the client's sandbox card deposit funds the lead.
@Suite("Leads pipeline in a real browser", .serialized, .timeLimit(.minutes(3)))
struct LeadBrowserTests {
    static let shots = TestCluster.repoRoot + "/.atrium/screenshots"

    @Test("a Sales agent works a lead from new to funded")
    func newToFunded() async throws {
        try await TestEnv.with("crmbrowser") { s in
            _ = try await PortalTests.applyDemoBrands(s)
            try await DemoSeed.upsertStaff(slug: "aurora", email: "sales@aurora.test", role: .sales, password: "sales-demo-pass", services: s)
            try await withLiveServer(s) { port in
                try await ChromeDriver.withBrowser(width: 1280, height: 1100) { browser in try await Self.walk(browser, port: port, s: s) }
            }
        }
    }

    static func walk(_ b: BrowserSession, port: Int, s: AppServices) async throws {
        func url(_ path: String) -> String { "http://aurora.localhost:\(port)\(path)" }
        func shot(_ name: String) async throws { _ = try await b.screenshot(to: "\(shots)/\(name).png") }

        // A trader registers on Aurora; the Super Admin's assignment gives the lead to the Sales agent.
        try await b.open(url("/register"))
        try await b.fill(["name": "Lena Lead", "email": "lena@example.test", "password": "a-long-password-2"], in: "#register-form")
        try await b.find("#register-form select[name=country]").selectOption(value: "GB")
        try await b.find("#register-form input[name=accept_terms]").click()
        try await b.submit("#register-form")
        _ = try await b.waitFor(css: "#logout-form", timeout: .seconds(20))
        let tenant = try #require(try await s.registry.tenant(slug: "aurora"))
        let (lead, agent) = try await s.tenantDB.transaction(tenant.handle) { tx in
            (try #require(try await tx.query("SELECT id FROM users WHERE audience = 'trader' AND email = 'lena@example.test'").collect().first?.decode(UUID.self)),
             try #require(try await tx.query("SELECT id FROM users WHERE audience = 'staff' AND email = 'sales@aurora.test'").collect().first?.decode(UUID.self)))
        }
        let id = lead.uuidString.lowercased()

        // The Super Admin ticks the new lead on the board and assigns it to the Sales agent.
        try await b.open(url("/admin"))
        try await b.fill(["email": "admin@aurora.test", "password": "admin-demo-pass"], in: "#login-form")
        try await b.submit("#login-form")
        _ = try await b.waitFor(css: "#logout-form", timeout: .seconds(20))
        try await b.open(url("/admin/leads"))
        #expect(try await b.find("tr[data-lead='\(id)'] [data-agent]").text() == "Unassigned")
        try await b.find("#select-\(id)").click()
        try await b.find("#bulk-agent").selectOption(value: agent.uuidString.lowercased())
        try await shot("59-admin-bulk-assign")
        try await b.submit("#bulk-assign")
        _ = try await b.waitFor(css: ".alert-notice", timeout: .seconds(20))
        #expect(try await b.find("tr[data-lead='\(id)'] [data-agent]").text() != "Unassigned")
        try await b.open(url("/admin"))
        try await b.submit("#logout-form")
        _ = try await b.waitFor(css: "#login-form", timeout: .seconds(20))

        // The Sales agent signs in and finds the lead under "New".
        try await b.open(url("/admin"))
        try await b.fill(["email": "sales@aurora.test", "password": "sales-demo-pass"], in: "#login-form")
        try await b.submit("#login-form")
        _ = try await b.waitFor(css: "#logout-form", timeout: .seconds(20))
        try await b.open(url("/admin/leads"))
        #expect(try await b.find("#stage-new").text().contains("lena@example.test"))
        #expect(try await b.find("#stage-new [data-count=new]").text() == "1")
        try await shot("60-sales-leads-new")

        // contacted, then documents
        for (target, name) in [("contacted", "61-sales-lead-contacted"), ("documents", "62-sales-lead-documents")] {
            try await b.find("#move-\(id)").selectOption(value: target)
            try await b.submit("tr[data-lead='\(id)'] form.lead-move")
            _ = try await b.waitFor(css: "#stage-\(target) tr[data-lead='\(id)']", timeout: .seconds(20))
            #expect(try await b.find(".alert-notice").text() == "The lead was moved.")
            try await shot(name)
        }

        // A task about the client: follow up on the documents.
        try await b.open(url("/admin/tasks/new?client=\(id)"))
        #expect(try await b.find("#task-client").text().contains("Lena Lead"))
        try await b.fill(["title": "Chase Lena's proof of address"], in: "#task-new-form")
        // Typing into a datetime-local control depends on the browser's locale; set its value as a picker would.
        _ = try await b.evaluate("document.getElementById('task-due').value = arguments[0]; return document.getElementById('task-due').value", args: ["2030-01-15T09:30"])
        try await b.submit("#task-new-form")
        _ = try await b.waitFor(css: "#task-list tr[data-status=open]", timeout: .seconds(20))
        #expect(try await b.find("#task-list").text().contains("Chase Lena's proof of address"))
        try await shot("63-sales-my-tasks")

        // The client deposits 150.00 USD by card through the sandbox's hosted page.
        try await b.open(url("/wallet"))
        try await b.find("#deposit-form input[name=method][value=sandbox-card]").click()
        try await b.find("#deposit-currency").selectOption(value: "USD")
        try await b.fill(["amount": "150.00"], in: "#deposit-form")
        try await b.submit("#deposit-form")
        _ = try await b.waitFor(css: "#approve", timeout: .seconds(20))
        try await b.find("#approve").click()
        _ = try await b.waitFor(css: "#payment-status[data-status=succeeded]", timeout: .seconds(20))
        try await shot("64-client-deposit-succeeded")

        // Back on the board the lead is funded, with no move form left.
        try await b.open(url("/admin/leads"))
        _ = try await b.waitFor(css: "#stage-funded tr[data-lead='\(id)']", timeout: .seconds(10))
        #expect(try await b.findAll("tr[data-lead='\(id)'] form.lead-move").isEmpty)
        #expect(try await b.find("#stage-documents").text().contains("lena@example.test") == false)
        try await shot("65-sales-lead-funded")
        let events = try await s.tenantDB.transaction(tenant.handle) { tx in
            try await tx.query("SELECT from_stage || '>' || to_stage FROM lead_events WHERE client_id = \(lead) ORDER BY id").collect().map { try $0.decode(String.self) }
        }
        #expect(events == ["new>contacted", "contacted>documents", "documents>funded"])
    }
}
