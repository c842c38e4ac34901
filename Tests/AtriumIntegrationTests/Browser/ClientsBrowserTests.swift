import AtriumHTTP
import AtriumStorage
import Foundation
import Testing

/// The client list and page in a real browser: an admin searches a client, opens the page and adds
/// a note. Screenshots: `.atrium/screenshots/clients-*.png`.
@Suite("Clients in a real browser", .serialized, .timeLimit(.minutes(3)))
struct ClientsBrowserTests {
    static let shots = TestCluster.repoRoot + "/.atrium/screenshots"

    @Test("search → open the client page → add a note → the note and its timeline entry show")
    func searchOpenNote() async throws {
        try await TestEnv.with("clientsbrowser") { s in
            // setup
            try await TestEnv.applyBrands(["aurora"], to: s)
            let tenant = try #require(try await s.registry.tenant(slug: "aurora"))
            try await s.tenantDB.transaction(tenant.handle) { tx in
                for (name, email, country, kyc) in [("Zora Quist", "zora@clients.test", "DE", "approved"), ("Adam Ames", "adam@clients.test", "GB", "submitted"),
                                                    ("Mia Moreno", "mia@clients.test", "ES", "not_started")] {
                    try await tx.query("INSERT INTO users (audience, email, name, country, kyc_status) VALUES ('trader', \(email), \(name), \(country), \(kyc))")
                }
            }
            try await withLiveServer(s) { port in
                try await ChromeDriver.withBrowser(width: 1280, height: 1000) { b in
                    func url(_ path: String) -> String { "http://aurora.localhost:\(port)\(path)" }
                    func shot(_ name: String) async throws { _ = try await b.screenshot(to: "\(Self.shots)/\(name).png") }
                    try await b.open(url("/admin"))
                    try await b.fill(["email": "admin@aurora.test", "password": "admin-demo-pass"], in: "#login-form")
                    try await b.submit("#login-form")
                    _ = try await b.waitFor(css: "#logout-form", timeout: .seconds(20))
                    // MUT: the nav entry, the list, a search
                    try await b.find("a[href='/admin/clients']").click()
                    _ = try await b.waitFor(css: "#client-list tr[data-email='mia@clients.test']", timeout: .seconds(10))
                    try await shot("clients-1-list")
                    try await b.fill(["q": "zora"], in: "#client-search")
                    try await b.submit("#client-search")
                    try await b.waitUntilGone(css: "#client-list tr[data-email='mia@clients.test']")
                    let rows = try await b.findAll("#client-list tbody tr[data-client]")
                    #expect(rows.count == 1)
                    try await shot("clients-2-search")
                    try await b.find("#client-list tr[data-email='zora@clients.test'] a").click()
                    _ = try await b.waitFor(css: "#client-profile", timeout: .seconds(10))
                    #expect(try await b.find("h1").text() == "Zora Quist")
                    #expect(try await b.find("#client-kyc").text() == "Approved")
                    try await shot("clients-3-page")
                    try await b.fill(["client_note": "Called: prefers email, documents next week."], in: "#client-note")
                    try await b.submit("#client-note")
                    // validate
                    let note = try await b.waitFor(css: "#client-notes li[data-note] .note-body", timeout: .seconds(10))
                    #expect(try await note.text() == "Called: prefers email, documents next week.")
                    #expect(try await b.find(".alert-notice").text() == "Note added.")
                    #expect(try await b.find("#client-timeline tr[data-source='note']").text().contains("admin@aurora.test"))
                    _ = try await b.evaluate("document.getElementById('client-notes').scrollIntoView(); return '';")
                    try await shot("clients-4-note")
                }
            }
            let notes = try await s.tenantDB.transaction(tenant.handle) { tx in
                try await tx.query("SELECT count(*)::int FROM client_notes").collect().first?.decode(Int.self) ?? -1
            }
            #expect(notes == 1)
        }
    }
}
