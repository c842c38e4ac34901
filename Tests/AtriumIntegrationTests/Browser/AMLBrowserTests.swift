import AtriumCompliance
import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation
import PostgresNIO
import Testing

/// AML cases in real headless Chromium: a compliance officer opens a case raised by the structuring
/// rule, adds a note and freezes the account. Screenshots go to `.atrium/screenshots/aml-*`.
@Suite("AML cases in a real browser", .serialized, .timeLimit(.minutes(3)))
struct AMLBrowserTests {
    static let shots = TestCluster.repoRoot + "/.atrium/screenshots"
    static func shot(_ b: BrowserSession, _ name: String) async throws { _ = try await b.screenshot(to: "\(shots)/aml-\(name).png") }

    @Test("a compliance officer opens a case, adds a note and freezes the account")
    func openNoteFreeze() async throws {
        try await TestEnv.with("amlbrowser") { s in
            try await TestEnv.applyBrands(["aurora"], to: s)
            let aurora = try #require(try await s.registry.tenant(slug: "aurora"))
            let brand = try #require(aurora.config)
            let hash = try await s.authenticator.hasher.hash("officer-pass-123")
            let now = Date()
            let (client, caseID) = try await s.tenantDB.transaction(aurora.handle) { tx -> (UUID, UUID) in
                let officer = try #require(try await Users.create(audience: .staff, email: "officer@aurora.test", name: "Olga Officer", passwordHash: hash, in: tx))
                try await RBAC.grant(.compliance, to: officer, in: tx)
                let client = try #require(try await tx.query("""
                    INSERT INTO users (audience, email, name, country, created_at)
                    VALUES ('trader', 'steps@aurora.test', 'Sam Steps', 'GB', \(now.addingTimeInterval(-30 * 86_400))) RETURNING id
                    """).collect().first?.decode(UUID.self))
                for (i, amount) in [950_000, 960_000, 970_000].enumerated() {
                    let ref = "AML-B\(i)"
                    _ = try await tx.query("""
                        INSERT INTO payments (kind, user_id, psp_id, psp_type, currency, amount, status, reference, idempotency_key, created_at)
                        VALUES ('deposit', \(client), 'sandbox-card', 'sandbox', 'USD', \(Int64(amount)), 'succeeded', \(ref), \(ref),
                                \(now.addingTimeInterval(-Double(30 - i * 10) * 3_600)))
                        """).collect()
                }
                let opened = try await AMLEngine(tenantDB: s.tenantDB).evaluate(client: client, brand: brand, now: now, in: tx)
                #expect(opened.count == 1)
                let caseID = try #require(try await tx.query("SELECT id FROM aml_cases WHERE client_id = \(client)").collect().first?.decode(UUID.self))
                return (client, caseID)
            }
            let id = caseID.uuidString.lowercased()
            try await withLiveServer(s) { port in
                try await ChromeDriver.withBrowser(width: 1280, height: 1100) { b in
                    func url(_ path: String) -> String { "http://aurora.localhost:\(port)\(path)" }
                    try await b.open(url("/admin"))
                    try await b.fill(["email": "officer@aurora.test", "password": "officer-pass-123"], in: "#login-form")
                    try await b.submit("#login-form")
                    _ = try await b.waitFor(css: "a[href='/admin/aml']", timeout: .seconds(20))
                    try await b.open(url("/admin/aml"))
                    _ = try await b.waitFor(css: "tr[data-case='\(id)']", timeout: .seconds(20))
                    try await Self.shot(b, "01-cases")
                    try await b.find("tr[data-case='\(id)'] a").click()
                    _ = try await b.waitFor(css: "#aml-note-form", timeout: .seconds(20))
                    #expect(try await b.pageSource().contains("data-fact=\"total_minor\">2880000<"))
                    // One navigation bar: the page's own keys must not shadow the header's `staff`.
                    #expect(try await b.findAll("nav.site-nav").count == 1)
                    #expect(try await b.findAll("#aml-assignee option").count >= 2)
                    try await Self.shot(b, "02-case")
                    try await b.fill(["body": "Three deposits just under 10,000 in 20 hours; asked the client for the source."], in: "#aml-note-form")
                    try await b.submit("#aml-note-form")
                    _ = try await b.waitFor(css: "p.alert-notice", timeout: .seconds(20))
                    #expect(try await b.find("#aml-notes").text().contains("asked the client for the source"))
                    #expect(try await b.find("#aml-notes").text().contains("Olga Officer"))
                    try await Self.shot(b, "03-note-added")
                    try await b.fill(["note": "Structuring, no answer from the client"], in: "#aml-decide-form")
                    try await b.find("#aml-freeze").click()
                    _ = try await b.waitFor(css: "#aml-frozen", timeout: .seconds(20))
                    #expect(try await b.find("#aml-case-status").attribute("data-status") == "frozen")
                    try await Self.shot(b, "04-frozen")
                }
            }
            let freeze = try await s.tenantDB.transaction(aurora.handle) { tx in try await AccountFreezes.active(client, in: tx) }
            #expect(freeze?.origin == .aml)
            #expect(freeze?.reference == caseID)
            let audited = try await s.tenantDB.transaction(aurora.handle) { tx in
                try await tx.query("SELECT count(*)::int FROM audit_log WHERE action = 'account.frozen' AND subject = \(client.uuidString.lowercased())")
                    .collect().first?.decode(Int.self)
            }
            #expect(audited == 1)
        }
    }
}
