import AtriumCore
import AtriumHTTP
import AtriumIdentity
import Foundation
import Testing

/// The Back Office dashboard in real headless Chromium: Finance signs in, the March 2026 fixture's
/// charts draw with their bars, lines and tables, the country filter narrows them, a bad date is
/// refused naming the field. Screenshots go to `.atrium/screenshots/dashboard-*.png`.
@Suite("Dashboard in a real browser", .serialized, .timeLimit(.minutes(3)))
struct DashboardBrowserTests {
    static let shots = TestCluster.repoRoot + "/.atrium/screenshots"

    @Test("Finance sees the dashboard's charts with data, filters by country, and a bad date names the field")
    func charts() async throws {
        try await TestEnv.with("dashbrowser") { s in
            try await TestEnv.applyBrands(["aurora"], to: s)
            try await DemoSeed.upsertStaff(slug: "aurora", email: "finance@aurora.test", role: .finance, password: "finance-demo-pass", services: s)
            let aurora = try #require(try await s.registry.tenant(slug: "aurora"))
            try await DashboardFixture.seed(s, aurora.handle)
            try await withLiveServer(s) { port in
                try await ChromeDriver.withBrowser(width: 1400, height: 2400) { b in
                    func url(_ path: String) -> String { "http://aurora.localhost:\(port)\(path)" }
                    func shot(_ name: String) async throws { _ = try await b.screenshot(to: "\(Self.shots)/dashboard-\(name).png") }
                    try await b.open(url("/admin"))
                    try await b.fill(["email": "finance@aurora.test", "password": "finance-demo-pass"], in: "#login-form")
                    try await b.submit("#login-form")
                    _ = try await b.waitFor(css: "#report-filter", timeout: .seconds(20))

                    try await b.open(url("/admin?from=2026-03-01&to=2026-03-31"))
                    _ = try await b.waitFor(css: "#report-funnel svg.chart", timeout: .seconds(20))
                    #expect(try await b.findAll("svg.chart").count == 6)
                    // 31 days × deposits and withdrawals, per currency; the net line over them.
                    #expect(try await b.findAll("#report-funding-usd svg rect.bar").count == 62)
                    #expect(try await b.findAll("#report-funding-usd svg polyline.line").count == 1)
                    #expect(try await b.findAll("#report-funnel svg rect.bar").count == 4)
                    #expect(try await b.find("#report-kyc .report-figures").text().contains("66.66 %"))
                    #expect(try await b.find("#top-ibs tbody tr:first-child").text().contains("8.00 USD"))
                    try await shot("01-march")
                    try await b.find("#report-funding-usd details summary").click()
                    try await shot("02-table-open")

                    try await b.find("#r-country").selectOption(value: "GB")
                    try await b.submit("#report-filter")
                    _ = try await b.waitFor(css: "#r-country option[value=GB][selected]", timeout: .seconds(20))
                    #expect(try await b.findAll("#report-funding-eur").isEmpty)
                    #expect(try await b.find("#report-kyc .report-figures").text().contains("50.00 %"))
                    try await shot("03-country-gb")

                    try await b.open(url("/admin?from=2026-03-10&to=2026-03-01"))
                    _ = try await b.waitFor(css: "#filter-problem[data-field=to]", timeout: .seconds(20))
                    #expect(try await b.findAll("svg.chart").isEmpty)
                    try await shot("04-bad-range")
                }
            }
        }
    }
}
