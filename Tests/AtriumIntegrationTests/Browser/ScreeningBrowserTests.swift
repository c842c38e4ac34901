import AtriumCompliance
import AtriumCore
import AtriumHTTP
import AtriumIdentity
import Foundation
import Testing

@Suite("Sanctions screening in a real browser", .serialized, .timeLimit(.minutes(3)))
struct ScreeningBrowserTests {
    static let shots = TestCluster.repoRoot + "/.atrium/screenshots"

    @Test("a client whose name matches a list entry registers; Compliance sees the explanation, confirms, and the account is frozen")
    func screeningJourney() async throws {
        try await TestEnv.with("screenbrowser") { base in
            _ = try await PortalTests.applyDemoBrands(base)
            try await DemoSeed.upsertStaff(slug: "aurora", email: "compliance@aurora.test", role: .compliance, password: "compliance-pass-1", services: base)
            var s = base
            // Test double index (see ScreeningFixture): the real matcher plugs in through the same builder.
            s.screening = Screening { ExactTokenIndex(entries: [ScreeningEntries.entry("9001", "Viktor Testovich Sanctionov", aliases: ["Vitya Sanctionov"])]) }
            try await withLiveServer(s) { port in
                try await ChromeDriver.withBrowser(width: 1280, height: 1100) { b in
                    func url(_ path: String) -> String { "http://aurora.localhost:\(port)\(path)" }
                    func shot(_ name: String) async throws { _ = try await b.screenshot(to: "\(Self.shots)/\(name).png") }
                    try await b.open(url("/register?lang=en"))
                    try await b.fill(["name": "Vitya Sanctionov", "email": "vitya@aurora.example", "password": "a-long-password-3"], in: "#register-form")
                    try await b.find("#register-form select[name=country]").selectOption(value: "DE")
                    try await b.find("#register-form input[name=accept_terms]").click()
                    try await b.submit("#register-form")
                    _ = try await b.waitFor(css: "#logout-form", timeout: .seconds(20))
                    try await shot("90-screening-registered")
                    try await b.submit("#logout-form")
                    try await b.waitUntilGone(css: "#logout-form")

                    try await b.open(url("/admin?lang=en"))
                    try await b.fill(["email": "compliance@aurora.test", "password": "compliance-pass-1"], in: "#login-form")
                    try await b.submit("#login-form")
                    _ = try await b.waitFor(css: "#logout-form", timeout: .seconds(20))
                    try await b.open(url("/admin/kyc"))
                    let queue = try await b.find("#kyc-queue").text()
                    #expect(queue.contains("vitya@aurora.example"))
                    #expect(queue.contains("Sanctions list hit"))
                    try await shot("91-screening-kyc-queue")
                    try await b.find("#kyc-queue a").click()
                    _ = try await b.waitFor(css: "#screening-hits .screening-hit", timeout: .seconds(20))
                    let hit = try await b.find("#screening-hits").text()
                    #expect(hit.contains("Viktor Testovich Sanctionov"))
                    #expect(hit.contains("Vitya Sanctionov"))
                    #expect(hit.contains("country listed"))
                    try await shot("92-screening-case-explanation")
                    try await b.find("#screening-hits button[value=confirm]").click()
                    _ = try await b.waitFor(css: "#account-frozen", timeout: .seconds(20))
                    #expect(try await b.find("#account-frozen").text().contains("Sanctions hit confirmed"))
                    try await shot("93-screening-confirmed-frozen")
                }
            }
            let aurora = try #require(try await base.registry.tenant(slug: "aurora"))
            let frozen = try await base.tenantDB.transaction(aurora.handle) { tx in
                try await tx.query("""
                    SELECT count(*)::int FROM account_freezes f JOIN users u ON u.id = f.client_id
                    WHERE u.email = 'vitya@aurora.example' AND f.origin = 'sanctions' AND f.lifted_at IS NULL
                    """).collect().first?.decode(Int.self)
            }
            #expect(frozen == 1)
        }
    }
}
