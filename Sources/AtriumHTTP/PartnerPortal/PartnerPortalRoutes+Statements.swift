import AtriumBrandConfig
import AtriumCore
import AtriumIdentity
import AtriumPartners
import AtriumQR
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird

/// Statements: the month's page, its printable page and its CSV.
extension PartnerPortalRoutes {
    /// `?period=YYYY-MM` (default: this month); anything else is a 400 naming the field.
    func period(_ req: Request, _ t: [String: String]) throws -> PartnerPeriod {
        guard let text = req.uri.queryParameters.get("period").map({ String($0) }), !text.isEmpty else { return PartnerPeriod(containing: Date()) }
        guard let period = PartnerPeriod(text) else {
            throw RequestRejected(status: 400, publicMessage: "\(t["portal_field_period"] ?? "period"): \(t["portal_error_period"] ?? "YYYY-MM")")
        }
        return period
    }

    func statement(_ req: Request, _ ctx: PartnerRequestContext, print: Bool) async throws -> Response {
        let me = try await account(ctx)
        let t = pages.strings(req, ctx)
        let period = try period(req, t)
        let lines = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await PartnerReports.statement(partner: me.id, period: period, in: tx) }
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withFullDate, .withSpaceBetweenDateAndTime, .withTime, .withColonSeparatorInTime]
        return try render(print ? "partners/statement-print" : "partners/statements", title: "portal_title_statements", nav: "statements", req, ctx, extra: [
            "period": period.text, "previous": period.previous.text, "next": period.next.text,
            "totals": money(PartnerReports.totals(lines)), "count": lines.count,
            "lines": lines.map { l in
                var view: [String: Any] = [
                    "id": l.id, "time": iso.string(from: l.dealTime), "connection": l.connectionID, "deal": l.deal,
                    "symbol": l.symbol, "lots": PartnerFigures.lots(l.lotsExt), "rate": l.rate, "level": l.level,
                    "component": t["portal_component_\(l.component)"] ?? l.component, "kind": t["portal_kind_\(l.kind)"] ?? l.kind,
                    "plan": "\(l.plan) v\(l.planVersion)", "amount": PartnerFigures.amount(l.amount, currency: l.currency), "currency": l.currency,
                    "status": l.status, "statusLabel": t["portal_status_\(l.status)"] ?? l.status,
                ]
                // Left out rather than "": any string is true to Mustache.
                if l.dealRevision > 1 { view["revision"] = "r\(l.dealRevision)" }
                // An excluded line says why in place of its status.
                if let why = l.excluded { view["statusLabel"] = t["portal_excluded_\(why)"] ?? why }
                return view
            },
        ])
    }

    func statementCSV(_ req: Request, _ ctx: PartnerRequestContext) async throws -> Response {
        let me = try await account(ctx)
        let period = try period(req, pages.strings(req, ctx))
        let lines = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await PartnerReports.statement(partner: me.id, period: period, in: tx) }
        var response = Responses.text(PartnerReports.csv(lines), contentType: "text/csv; charset=utf-8")
        response.headers[.contentDisposition] = "attachment; filename=\"statement-\(period.text).csv\""
        response.headers[.cacheControl] = "no-store"
        return response
    }
}
