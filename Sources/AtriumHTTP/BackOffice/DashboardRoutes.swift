import AtriumCore
import AtriumIdentity
import AtriumReports
import Foundation
import Hummingbird

/// The Back Office home for staff holding `reports.view`: funding, the onboarding funnel, KYC
/// decisions, active traders and IB payouts over a date range and country, each chart with its
/// data table and a CSV export at `/admin/reports/<chart>.csv` taking the same filters.
struct DashboardRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }

    /// The exports, by file name.
    static let charts = ["funding", "funnel", "kyc", "activity", "payouts", "top-ibs"]

    func register(on router: Router<BrandRequestContext>) {
        router.staff("/admin/reports", .reportsView, services: services)
            .get("/:file") { req, ctx in try await csv(req, ctx) }
    }

    /// The filters from the query; a bad one is an `InputError` naming `from`, `to` or `country`.
    static func range(_ req: Request, now: Date = Date()) throws -> ReportRange {
        try ReportRange.parse(from: query(req, "from"), to: query(req, "to"), country: query(req, "country"), now: now)
    }

    /// One query field as typed.
    static func query(_ req: Request, _ name: String) -> String? {
        req.uri.queryParameters.get(name).map { String($0) }
    }

    /// Every figure of the dashboard, read in one tenant transaction.
    func figures(_ range: ReportRange, _ ctx: BrandRequestContext) async throws -> DashboardFigures {
        try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            try await ReportSession.prepare(tx)
            return DashboardFigures(funding: try await FundingReport.query(range, in: tx), funnel: try await FunnelReport.query(range, in: tx),
                             kyc: try await KYCReport.query(range, in: tx), activity: try await ActivityReport.query(range, in: tx),
                             payouts: try await PartnerReport.payouts(range, in: tx), top: try await PartnerReport.top(range, in: tx))
        }
    }

    /// The dashboard page; bad filters render it with a 400 and the field named, and no figures.
    func dashboard(_ req: Request, _ ctx: BrandRequestContext, staff: StaffPrincipal) async throws -> Response {
        let t = pages.strings(req, ctx)
        var extra = RequirePermission.pageContext(staff)
        extra["dashboardPage"] = true
        let typed: [String: String] = ["from": Self.query(req, "from") ?? "", "to": Self.query(req, "to") ?? "", "country": Self.query(req, "country") ?? ""]
        extra["filter"] = typed
        let range: ReportRange
        do {
            range = try Self.range(req)
        } catch let error as InputError {
            extra["problem"] = ["field": error.field, "text": "\(t["dashboard_field_\(error.field)"] ?? error.field): \(error.reason)"]
            return try pages.render("admin/reports", title: "title_admin_dashboard", request: req, context: ctx, extra: extra, status: .badRequest)
        }
        let view = DashboardView(range: range, figures: try await figures(range, ctx), t: t)
        extra.merge(view.context) { _, new in new }
        extra["filter"] = ["from": ReportRange.format(range.from), "to": ReportRange.format(range.to.addingTimeInterval(-86_400)),
                           "country": range.country ?? ""]
        extra["countries"] = Countries.all.sorted { $0.key < $1.key }.map { ["code": $0.key, "name": $0.value, "selected": $0.key == range.country] as [String: Any] }
        return try pages.render("admin/reports", title: "title_admin_dashboard", request: req, context: ctx, extra: extra)
    }

    /// `/admin/reports/<chart>.csv`: the chart's figures for the same filters, as an attachment.
    func csv(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let file = ctx.parameters.get("file") ?? ""
        guard file.hasSuffix(".csv"), let chart = Self.charts.first(where: { "\($0).csv" == file }) else { throw HTTPError(.notFound) }
        let range = try Self.range(req)
        let text: String = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            try await ReportSession.prepare(tx)
            return switch chart {
            case "funding": FundingReport.csv(try await FundingReport.query(range, in: tx))
            case "funnel": FunnelReport.csv(try await FunnelReport.query(range, in: tx))
            case "kyc": KYCReport.csv(try await KYCReport.query(range, in: tx))
            case "activity": ActivityReport.csv(try await ActivityReport.query(range, in: tx))
            case "payouts": PartnerReport.payoutsCSV(try await PartnerReport.payouts(range, in: tx))
            default: PartnerReport.topCSV(try await PartnerReport.top(range, in: tx))
            }
        }
        var response = Responses.text(text, contentType: "text/csv; charset=utf-8")
        let name = "\(chart)-\(ReportRange.format(range.from))-\(ReportRange.format(range.to.addingTimeInterval(-86_400)))"
        response.headers[.contentDisposition] = "attachment; filename=\"\(name)\(range.country.map { "-\($0)" } ?? "").csv\""
        response.headers[.cacheControl] = "no-store"
        return response
    }
}

/// What the dashboard's queries returned for one range.
struct DashboardFigures: Sendable {
    let funding: [FundingReport.Point]
    let funnel: FunnelReport.Funnel
    let kyc: KYCReport.Summary
    let activity: ActivityReport.Summary
    let payouts: [PartnerReport.Payout]
    let top: [PartnerReport.TopIB]
}
