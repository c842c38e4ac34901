import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumReports
import AtriumStorage
import AtriumTenancy
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Dashboard: figures, filters, CSV exports and who sees them", .timeLimit(.minutes(3)))
struct DashboardReportTests {
    struct Shared: Sendable {
        let s: AppServices
        let aurora: TenantRecord
    }

    /// Aurora with one staff member per built-in role and `DashboardFixture`'s March 2026.
    static let shared = Task { () throws -> Shared in
        let s = try await TestEnv.started("dashboard")
        try await TestEnv.applyBrands(["aurora"], to: s)
        for role in [BuiltinRole.compliance, .finance, .sales, .support] {
            try await DemoSeed.upsertStaff(slug: "aurora", email: Self.email(role), role: role, password: "role-pass-12345", services: s)
        }
        guard let aurora = try await s.registry.tenant(slug: "aurora") else { throw SharedFixtureError.serverDidNotStart }
        try await DashboardFixture.seed(s, aurora.handle)
        return Shared(s: s, aurora: aurora)
    }

    static func email(_ role: BuiltinRole) -> String {
        role == .superAdmin ? "admin@aurora.test" : "\(role.rawValue.lowercased())@aurora.test"
    }

    static func signedIn(_ role: BuiltinRole = .superAdmin, _ body: @Sendable (FormClient) async throws -> Void) async throws {
        let f = try await shared.value
        try await buildApplication(services: f.s).test(.router) { client in
            let web = FormClient(client, host: "aurora.localhost")
            let password = role == .superAdmin ? "admin-demo-pass" : "role-pass-12345"
            let login = try await web.post("/admin/login", ["email": email(role), "password": password], csrfFrom: "/admin")
            #expect(login.status == .seeOther)
            try await body(web)
        }
    }

    static let march = "from=2026-03-01&to=2026-03-31"

    /// The daily CSV rows of March for `known` (day → fields after the bucket), zeros elsewhere.
    static func marchRows(_ prefix: [String], _ known: [Int: [String]], zero: [String]) -> String {
        (1...31).map { day in
            ([String(format: "2026-03-%02d", day)] + prefix + (known[day] ?? zero)).map { "\"\($0)\"" }.joined(separator: ",") + "\r\n"
        }.joined()
    }

    static func line(_ fields: String...) -> String { fields.map { "\"\($0)\"" }.joined(separator: ",") + "\r\n" }

    @Test("funding CSV: ledger deposits and paid withdrawals per day and currency, never summed across currencies; edges inclusive in UTC")
    func funding() async throws {
        try await Self.signedIn(.finance) { web in
            let zero = ["0.00", "0.00", "0.00"]
            let all = try await web.get("/admin/reports/funding.csv?\(Self.march)")
            #expect(all.status == .ok)
            #expect(all.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(all.body == Self.line("bucket", "currency", "deposits", "withdrawals", "net")
                + Self.marchRows(["EUR"], [15: ["30.00", "0.00", "30.00"]], zero: zero)
                + Self.marchRows(["USD"], [1: ["150.25", "0.00", "150.25"], 2: ["0.00", "40.00", "-40.00"], 15: ["20.00", "0.00", "20.00"]], zero: zero))
            // GB: u1 only (u5 is FR); no EUR at all.
            let gb = try await web.get("/admin/reports/funding.csv?\(Self.march)&country=gb")
            #expect(gb.body == Self.line("bucket", "currency", "deposits", "withdrawals", "net")
                + Self.marchRows(["USD"], [1: ["150.25", "0.00", "150.25"], 2: ["0.00", "40.00", "-40.00"]], zero: zero))
            // One day holds both its 00:00:00 and its 23:59:59 deposit, and nothing of the days around it.
            let day = try await web.get("/admin/reports/funding.csv?from=2026-03-01&to=2026-03-01")
            #expect(day.body == Self.line("bucket", "currency", "deposits", "withdrawals", "net") + Self.line("2026-03-01", "USD", "150.25", "0.00", "150.25"))
            // Beyond 92 days the buckets are ISO weeks from Monday: 02-28 and 03-01 share the week of 02-23.
            let weeks = try await web.get("/admin/reports/funding.csv?from=2026-01-01&to=2026-04-30")
            #expect(weeks.body.contains(Self.line("2025-12-29", "USD", "0.00", "0.00", "0.00")))
            #expect(weeks.body.contains(Self.line("2026-02-23", "USD", "1149.25", "0.00", "1149.25")))
            #expect(weeks.body.contains(Self.line("2026-03-02", "USD", "0.00", "40.00", "-40.00")))
            #expect(weeks.body.contains(Self.line("2026-03-30", "USD", "70.00", "0.00", "70.00")))
            #expect(weeks.body.components(separatedBy: "\r\n").filter { $0.contains("\"USD\"") }.count == 18)
        }
    }

    @Test("funnel, KYC, activity, payouts and top IBs: exact counts, rate, median and amounts, with the country filter")
    func figures() async throws {
        try await Self.signedIn(.compliance) { web in
            #expect(try await web.get("/admin/reports/funnel.csv?\(Self.march)").body == Self.line("step", "clients", "percent_of_registered")
                + Self.line("registered", "3", "100.00") + Self.line("verified", "2", "66.66") + Self.line("approved", "2", "66.66") + Self.line("funded", "1", "33.33"))
            #expect(try await web.get("/admin/reports/funnel.csv?\(Self.march)&country=GB").body == Self.line("step", "clients", "percent_of_registered")
                + Self.line("registered", "2", "100.00") + Self.line("verified", "1", "50.00") + Self.line("approved", "1", "50.00") + Self.line("funded", "1", "50.00"))

            let kyc = try await web.get("/admin/reports/kyc.csv?\(Self.march)").body
            #expect(kyc == Self.line("bucket", "approved", "rejected") + Self.marchRows([], [2: ["1", "0"], 11: ["0", "1"], 31: ["1", "0"]], zero: ["0", "0"])
                + Self.line("total", "2", "1") + Self.line("approval_rate_percent", "66.66", "") + Self.line("median_seconds_to_decision", "7200", ""))
            // GB: 2 h and 1 day, so the median is their mean; the rate is one in two.
            let kycGB = try await web.get("/admin/reports/kyc.csv?\(Self.march)&country=GB").body
            #expect(kycGB.hasSuffix(Self.line("total", "1", "1") + Self.line("approval_rate_percent", "50.00", "") + Self.line("median_seconds_to_decision", "46800", "")))

            #expect(try await web.get("/admin/reports/activity.csv?\(Self.march)").body == Self.line("bucket", "active_traders")
                + Self.marchRows([], [1: ["1"], 5: ["2"]], zero: ["0"]) + Self.line("total_distinct", "2"))
            #expect(try await web.get("/admin/reports/activity.csv?\(Self.march)&country=DE").body == Self.line("bucket", "active_traders")
                + Self.marchRows([], [:], zero: ["0"]) + Self.line("total_distinct", "0"))

            #expect(try await web.get("/admin/reports/payouts.csv?\(Self.march)").body == Self.line("bucket", "currency", "paid")
                + Self.marchRows(["USD"], [3: ["128.45"]], zero: ["0.00"]))
            #expect(try await web.get("/admin/reports/payouts.csv?\(Self.march)&country=GB").body == Self.line("bucket", "currency", "paid")
                + Self.marchRows(["USD"], [3: ["123.45"]], zero: ["0.00"]))
            #expect(try await web.get("/admin/reports/top-ibs.csv?\(Self.march)").body == Self.line("rank", "ib_email", "ib_name", "currency", "commission", "lines")
                + Self.line("1", "ib2@dash.test", "IB2", "USD", "8.00", "2") + Self.line("2", "ib1@dash.test", "IB1", "USD", "5.00", "2"))
            #expect(try await web.get("/admin/reports/top-ibs.csv?\(Self.march)&country=GB").body == Self.line("rank", "ib_email", "ib_name", "currency", "commission", "lines")
                + Self.line("1", "ib1@dash.test", "IB1", "USD", "5.00", "2"))
        }
    }

    @Test("the queries answer the same figures without HTTP")
    func queries() async throws {
        let f = try await Self.shared.value
        let range = try ReportRange.parse(from: "2026-03-01", to: "2026-03-31", country: nil)
        try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
            let funding = try await FundingReport.query(range, in: tx)
            #expect(FundingReport.totals(funding).map { "\($0.currency) \($0.deposits) \($0.withdrawals)" } == ["EUR 3000 0", "USD 17025 4000"])
            #expect(try await FunnelReport.query(range, in: tx) == FunnelReport.Funnel(registered: 3, verified: 2, approved: 2, funded: 1))
            let kyc = try await KYCReport.query(range, in: tx)
            #expect(kyc.approved == 2 && kyc.rejected == 1 && kyc.medianSeconds == 7200 && kyc.approvalBasisPoints == 6666)
            #expect(try await ActivityReport.query(range, in: tx).total == 2)
            let empty = try await KYCReport.query(try ReportRange.parse(from: "2025-01-01", to: "2025-01-31", country: nil), in: tx)
            #expect(empty.approved == 0 && empty.medianSeconds == nil && empty.approvalBasisPoints == nil && empty.points.count == 31)
        }
    }

    @Test("bad from, to or country: a 400 naming the field on the dashboard and on a CSV")
    func badFilters() async throws {
        try await Self.signedIn { web in
            for (query, field) in [("from=2026-02-30", "from"), ("from=2026-03-10&to=2026-03-01", "to"), ("to=31/03/2026", "to"),
                                   ("country=G1", "country"), ("country=GBR", "country"), ("from=2025-01-01&to=2026-03-01", "from")] {
                let page = try await web.get("/admin?\(query)")
                #expect(page.status == .badRequest, "\(query)")
                #expect(page.body.contains(#"data-field="\#(field)""#), "\(query)")
                #expect(!page.body.contains("<svg class=\"chart\""), "\(query)")
                let csv = try await web.get("/admin/reports/funding.csv?\(query)")
                #expect(csv.status == .badRequest, "\(query)")
                #expect(csv.body.contains("\(field): "), "\(query)")
            }
            #expect(try await web.get("/admin/reports/nothing.csv?\(Self.march)").status == .notFound)
        }
    }

    @Test("reports.view holders get the dashboard with charts and tables; Sales and Support the simple home and a 403 on every CSV",
          arguments: [BuiltinRole.superAdmin, .compliance, .finance, .sales, .support])
    func roles(_ role: BuiltinRole) async throws {
        try await Self.signedIn(role) { web in
            let home = try await web.get("/admin?\(Self.march)")
            #expect(home.status == .ok)
            let reader = role.permissions.contains(.reportsView)
            #expect(home.body.contains(#"id="report-funnel""#) == reader)
            #expect(home.body.contains(#"id="staff-title""#) == !reader)
            if reader {
                // One chart per currency, then funnel, KYC, activity and the USD payouts.
                #expect(home.body.components(separatedBy: #"<svg class="chart""#).count - 1 == 6)
                #expect(home.body.contains("<td class=\"num\">150.25</td>") && home.body.contains("66.66 %") && home.body.contains("2 h 0 min"))
                #expect(home.body.contains("/admin/reports/funding.csv?from=2026-03-01"))
            }
            for chart in DashboardRoutesNames.charts {
                let csv = try await web.get("/admin/reports/\(chart).csv?\(Self.march)")
                #expect(csv.status == (reader ? .ok : .forbidden), "\(chart)")
            }
        }
    }
}

/// The export names, as the routes list them.
enum DashboardRoutesNames {
    static let charts = ["funding", "funnel", "kyc", "activity", "payouts", "top-ibs"]
}
