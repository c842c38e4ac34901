import AtriumCore
import AtriumHTTP
import AtriumPartners
import AtriumSandboxWeb
import Foundation
import Testing

/// An IB in real headless Chromium: signs in on Aurora (English) and on Meridian (Arabic, RTL),
/// visits the dashboard, creates a link, reads the statement. Screenshots go to `.atrium/screenshots/`.
@Suite("Partner Portal in a real browser", .serialized, .timeLimit(.minutes(3)))
struct PartnerPortalBrowserTests {
    static let shots = TestCluster.repoRoot + "/.atrium/screenshots"

    @Test("an IB signs in and visits dashboard, links (creates one), statements and the printable page, in English and Arabic")
    func portal() async throws {
        try await TestEnv.with("ibbrowser") { s in
            _ = try await PortalTests.applyDemoBrands(s)
            for slug in ["aurora", "meridian"] {
                _ = try await PartnerPortalFixture.make(s, tenant: try #require(try await s.registry.tenant(slug: slug)))
            }
            try await withLiveServer(s) { port in
                try await ChromeDriver.withBrowser(width: 1280, height: 1100) { b in
                    try await Self.walk(b, port: port, slug: "aurora", prefix: "ib-en")
                    try await b.deleteCookies()
                    try await Self.walk(b, port: port, slug: "meridian", prefix: "ib-ar")
                }
            }
        }
    }

    static func walk(_ b: BrowserSession, port: Int, slug: String, prefix: String) async throws {
        func url(_ path: String) -> String { "http://\(slug).localhost:\(port)\(path)" }
        func shot(_ name: String) async throws { _ = try await b.screenshot(to: "\(shots)/\(prefix)-\(name).png") }

        try await b.open(url("/partners"))
        try await b.fill(["email": PartnerPortalFixture.email("a", slug), "password": PartnerPortalFixture.password], in: "#login-form")
        try await b.submit("#login-form")
        _ = try await b.waitFor(css: "#stat-commissions", timeout: .seconds(20))
        let dashboard = try await b.pageSource()
        #expect(dashboard.contains("11.81"))
        #expect(try await b.findAll("svg.chart rect.bar").count == 30)
        if slug == "meridian" { #expect(dashboard.contains(#"dir="rtl""#)) }
        try await shot("01-dashboard")

        try await b.open(url("/partners/links"))
        try await b.fill(["campaign": "Spring webinar"], in: "#link-form")
        try await b.find("#link-target").selectOption(value: "landing")
        try await b.submit("#link-form")
        _ = try await b.waitFor(css: ".link-card:nth-of-type(2)", timeout: .seconds(20))
        #expect(try await b.pageSource().contains("Spring webinar"))
        try await shot("02-links")

        try await b.open(url("/partners/statements"))
        _ = try await b.waitFor(css: "table#statement", timeout: .seconds(20))
        #expect(try await b.findAll("table#statement tr[data-line]").count == 9)
        try await shot("03-statements")

        try await b.open(url("/partners/statements/print"))
        _ = try await b.waitFor(css: "table#statement", timeout: .seconds(20))
        try await shot("04-statement-print")

        try await b.open(url("/partners/network"))
        _ = try await b.waitFor(css: "table#network", timeout: .seconds(20))
        try await shot("05-network")

        try await b.open(url("/partners/clients"))
        _ = try await b.waitFor(css: "table#clients", timeout: .seconds(20))
        try await shot("06-clients")

        try await b.open(url("/partners/payouts"))
        _ = try await b.waitFor(css: "table#payouts", timeout: .seconds(20))
        try await shot("07-payouts")

        try await b.open(url("/partners/security"))
        _ = try await b.waitFor(css: "#totp-status", timeout: .seconds(20))
        try await shot("08-security")
    }
}
