import AtriumCore
import AtriumHTTP
import AtriumSandboxWeb
import AtriumTenancy
import Foundation
import Hummingbird
import Testing

/// Real headless Chromium against a live server: two brands, the Back Office and the operator console.
/// Screenshots of every step go to `.atrium/screenshots/`.
@Suite("Portals in a real browser", .serialized, .timeLimit(.minutes(3)))
struct PortalBrowserTests {
    static let shots = TestCluster.repoRoot + "/.atrium/screenshots"

    @Test("trader registers on Aurora, Kite shows its override, a Kite admin reads the audit trail, the operator creates and suspends a brand")
    func smoke() async throws {
        try await TestEnv.with("browser") { s in
            _ = try await PortalTests.applyDemoBrands(s)
            try await Operators.upsert(email: "op@atrium.test", password: "operator-pass-1", services: s)
            // The server runs in a child task that is cancelled at the end (not shut down
            // gracefully), so no leftover browser connection or background job can hold the
            // test open.
            let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
            let app = buildApplication(services: s, development: SandboxSites.development(services: s)) { channel in
                portSink.yield(channel.localAddress?.port ?? 0)
                portSink.finish()
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await app.runService(gracefulShutdownSignals: []) }
                defer { group.cancelAll() }
                var it = ports.makeAsyncIterator()
                let port = try #require(await it.next())
                try await ChromeDriver.withBrowser(width: 1280, height: 900) { browser in try await Self.walk(browser, port: port) }
            }
        }
    }

    static func walk(_ b: BrowserSession, port: Int) async throws {
        func url(_ host: String, _ path: String = "/") -> String { "http://\(host).localhost:\(port)\(path)" }
        func shot(_ name: String) async throws { _ = try await b.screenshot(to: "\(shots)/\(name).png") }

        // Aurora: landing, then registration of a trader with a Unicode name.
        try await b.open(url("aurora"))
        #expect(try await b.title().contains("Aurora Markets"))
        try await shot("01-aurora-landing")
        try await b.open(url("aurora", "/register"))
        try await b.fill(["name": "Zoë Traders", "email": "zoe@example.test", "password": "a-long-password-1"], in: "#register-form")
        try await b.find("#register-form select[name=country]").selectOption(value: "DE")
        try await b.find("#register-form input[name=accept_terms]").click()
        try await shot("02-aurora-register-filled")
        try await b.submit("#register-form")
        _ = try await b.waitFor(css: "#logout-form", timeout: .seconds(20))
        #expect(try await b.pageSource().contains("Zoë Traders"))
        try await shot("03-aurora-trader-home")

        // Kite: the brand's own landing template (override) and Spanish by default.
        try await b.open(url("kite"))
        let kite = try await b.pageSource()
        #expect(kite.contains("kite override"))
        #expect(kite.contains(#"lang="es""#))
        #expect(!kite.contains("Zoë Traders")) // Aurora's session means nothing here
        try await shot("04-kite-landing-override")

        // Kite Back Office: admin login, dashboard, audit trail with this login in it.
        try await b.open(url("kite", "/admin"))
        try await b.fill(["email": "admin@kite.test", "password": "admin-demo-pass"], in: "#login-form")
        try await b.submit("#login-form")
        _ = try await b.waitFor(css: "#logout-form", timeout: .seconds(20))
        try await shot("05-kite-admin-dashboard")
        try await b.open(url("kite", "/admin/audit"))
        let audit = try await b.find("table#audit").text()
        #expect(audit.contains("login.succeeded"))
        try await shot("06-kite-admin-audit")

        // Meridian renders right-to-left.
        try await b.open(url("meridian"))
        #expect(try await b.pageSource().contains(#"dir="rtl""#))
        try await shot("07-meridian-rtl")

        // Operator console: login, create a brand, visit it, suspend it.
        try await b.open(url("ops"))
        try await b.fill(["email": "op@atrium.test", "password": "operator-pass-1"], in: "#login-form")
        try await b.submit("#login-form")
        _ = try await b.waitFor(css: "table#tenants", timeout: .seconds(20))
        try await shot("08-ops-tenants")
        try await b.fill(["slug": "nova", "name": "Nova Trade", "domains": "nova.localhost", "admin_email": "boss@nova.test"], in: "#create-tenant")
        try await b.submit("#create-tenant")
        // The list is on both pages; the invitation link appears only once the POST answered.
        _ = try await b.waitFor(css: "code.copyable", timeout: .seconds(20))
        #expect(try await b.pageSource().contains("/admin/invite/"))
        try await shot("09-ops-tenant-created")
        try await b.open(url("nova"))
        #expect(try await b.title().contains("Nova Trade"))
        try await shot("10-nova-live")
        try await b.open(url("ops"))
        try await b.find("form[action='/tenants/nova/suspend'] [type=submit]").click()
        // Done when the row offers "resume" instead.
        _ = try await b.waitFor(css: "form[action='/tenants/nova/resume']", timeout: .seconds(20))
        try await b.open(url("nova"))
        #expect(!(try await b.pageSource().contains("register-form")))
        try await shot("11-nova-maintenance")
    }
}
