import AtriumCore
import AtriumPartners
import Foundation
import Hummingbird

/// Back Office commission lines, searchable and traced to their deal, and the FX rates commissions
/// are converted with (`partners.manage`).
struct CommissionAdminRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }
    var plans: PlanAdminRoutes { PlanAdminRoutes(services: services) }

    func register(on router: Router<BrandRequestContext>) {
        let group = router.staff("/admin/partners", .partnersManage, services: services)
        group.get("/commissions") { req, ctx in try await lines(req, ctx) }
        group.get("/fx") { req, ctx in try await rates(req, ctx) }
        group.post("/fx") { req, ctx in try await record(req, ctx) }
    }

    /// The search form's filters from the query; a malformed one is a 400 naming it.
    static func filter(_ q: [String: String]) throws -> CommissionLineFilter {
        func value(_ name: String) -> String? {
            let v = (q[name] ?? "").trimmingCharacters(in: .whitespaces)
            return v.isEmpty ? nil : v
        }
        var f = CommissionLineFilter(partnerEmail: value("ib"), clientEmail: value("client"), symbol: value("symbol"), status: value("status"))
        if let d = value("deal") {
            guard let n = Int64(d) else { throw InputError(field: "deal", reason: "a deal number") }
            f.deal = n
        }
        if let from = value("from") {
            guard let d = PlanForm.date(from) else { throw InputError(field: "from", reason: "a date like 2026-01-31") }
            f.from = d
        }
        if let to = value("to") {
            guard let d = PlanForm.date(to) else { throw InputError(field: "to", reason: "a date like 2026-01-31") }
            // A bare date means the whole day.
            f.to = to.count == 10 ? d.addingTimeInterval(86_400) : d
        }
        if let s = f.status, !CommissionLineSearch.statuses.contains(s) {
            throw InputError(field: "status", reason: CommissionLineSearch.statuses.joined(separator: ", "))
        }
        return f
    }

    func lines(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        var q: [String: String] = [:]
        for (k, v) in req.uri.queryParameters { q[String(k)] = String(v) }
        let filter = try Self.filter(q)
        var before: Int64?
        if let b = q["before"], !b.isEmpty {
            guard let n = Int64(b) else { throw InputError(field: "before", reason: "a line number") }
            before = n
        }
        let page = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            try await CommissionLineSearch.page(filter, before: before, limit: Int(q["limit"] ?? "") ?? 50, in: tx)
        }
        var extra: [String: Any] = [
            "filter": ["ib": q["ib"] ?? "", "client": q["client"] ?? "", "deal": q["deal"] ?? "", "symbol": q["symbol"] ?? "",
                       "from": q["from"] ?? "", "to": q["to"] ?? ""],
            "statusOptions": CommissionLineSearch.statuses.map { ["value": $0, "label": t["plans_line_status_\($0)"] ?? $0, "selected": $0 == filter.status] as [String: Any] },
            "lines": page.lines.map { Self.view($0, t: t) },
        ]
        if let next = page.next {
            var params = q.filter { $0.key != "before" && !$0.value.isEmpty }
            params["before"] = String(next)
            extra["nextHref"] = "/admin/partners/commissions?" + params.sorted { $0.key < $1.key }
                .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        }
        return try plans.render("admin/commission-lines", "plans_title_commissions", req, ctx, extra)
    }

    static func view(_ l: CommissionLineRow, t: [String: String]) -> [String: Any] {
        let exponent = ISO4217.exponents[l.currency] ?? 2
        return [
            "id": l.id, "connection": l.connectionID, "deal": l.deal, "revision": l.dealRevision, "time": l.dealTime.formatted(.iso8601),
            "client": l.clientEmail, "ib": l.partnerEmail, "level": l.level,
            "component": t["plans_component_\(l.component)"] ?? l.component, "kind": l.kind, "isAccrual": l.kind == "accrual",
            "plan": "\(l.planName) v\(l.planVersion)", "symbol": l.symbol, "symbolGroup": l.symbolGroup, "lots": PlanForm.lots(l.lotsExt),
            "rate": l.rate, "fx": l.fxRate, "amount": DecimalAmount.format(l.amount, exponent: exponent), "currency": l.currency,
            "excluded": l.excluded.map { t["plans_excluded_\($0)"] ?? $0 } ?? "", "status": l.status,
            "statusLabel": t["plans_line_status_\(l.status)"] ?? l.status,
        ]
    }

    func rates(_ req: Request, _ ctx: StaffRequestContext, form: [String: String] = [:], extra more: [String: Any] = [:],
               status: HTTPResponse.Status = .ok) async throws -> Response {
        let t = pages.strings(req, ctx)
        let rates = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await RecordedFXRates.recent(in: tx) }
        var extra: [String: Any] = [
            "rates": rates.map { ["pair": "\($0.base)/\($0.quote)", "asOf": $0.asOf.formatted(.iso8601), "rate": $0.rate, "source": $0.source] },
            "form": ["base": form["base"] ?? "", "quote": form["quote"] ?? "", "rate": form["rate"] ?? "",
                     "asOf": form["as_of"] ?? PlanForm.formatDate(Date())],
        ]
        if let done = req.uri.queryParameters.get("done") { extra["notice"] = t["plans_notice_\(done)"] ?? "" }
        extra.merge(more) { _, new in new }
        return try plans.render("admin/fx-rates", "plans_title_fx", req, ctx, extra, status: status)
    }

    func record(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        var form: [String: String] = [:]
        do {
            form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            guard let asOf = PlanForm.date((form["as_of"] ?? "").trimmingCharacters(in: .whitespaces)) else {
                throw PlanError.invalid([PlanProblem(field: "as_of", reason: "a date and time like 2026-01-31T00:00 (UTC)")])
            }
            _ = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                try await RecordedFXRates.record(base: form["base"] ?? "", quote: form["quote"] ?? "", asOf: asOf, rate: form["rate"] ?? "",
                                                 actor: ctx.staff.actor, requestID: ctx.requestID, in: tx)
            }
            return Responses.seeOther("/admin/partners/fx?done=fx_recorded")
        } catch let error as any UserFacingError {
            let r = plans.refusal(error, t)
            return try await rates(req, ctx, form: form, extra: r.extra, status: r.status)
        }
    }
}
