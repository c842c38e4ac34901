import AtriumCore
import AtriumPartners
import Foundation
import Hummingbird

/// The plan editor preview: what a month's deals would have paid under a version (normally a
/// draft), next to what their lines hold now, from the engine's `preview` (nothing is written).
extension PlanAdminRoutes {
    /// The month to preview (`month=2026-11`, default the month before this one) as [from, to) in UTC.
    static func previewWindow(_ text: String?, now: Date = Date()) throws -> (from: Date, to: Date, label: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        let start: Date
        if let text, !text.isEmpty {
            let parts = text.split(separator: "-").map { Int($0) }
            guard parts.count == 2, let y = parts[0], let m = parts[1], (2000...2100).contains(y), (1...12).contains(m),
                  let d = calendar.date(from: DateComponents(year: y, month: m, day: 1)) else {
                throw InputError(field: "month", reason: "a month like 2026-11", status: 422)
            }
            start = d
        } else {
            let thisMonth = calendar.date(from: calendar.dateComponents([.year, .month], from: now)) ?? now
            start = calendar.date(byAdding: .month, value: -1, to: thisMonth) ?? thisMonth
        }
        let end = calendar.date(byAdding: .month, value: 1, to: start) ?? start
        let c = calendar.dateComponents([.year, .month], from: start)
        return (start, end, String(format: "%04d-%02d", c.year ?? 0, c.month ?? 0))
    }

    /// The preview section of the version page, when the request asks for it (`preview=1`).
    func preview(_ req: Request, _ ctx: StaffRequestContext, version v: PlanVersionRecord) async throws -> [String: Any] {
        let q = req.uri.queryParameters
        guard q.get("preview") != nil, let brand = ctx.tenant.config else { return [:] }
        let window = try Self.previewWindow(q.get("month"))
        let email = (q.get("partner") ?? "").trimmingCharacters(in: .whitespaces)
        var partner: UUID?
        if !email.isEmpty {
            partner = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await PartnerPlanAssignments.partnerID(email: email, in: tx) }
            guard partner != nil else { throw InputError(field: "partner", reason: "the sign-in email of an existing IB", status: 422) }
        }
        let result = try await CommissionEngine(tenantDB: services.tenantDB)
            .preview(tenant: ctx.tenant.handle, brand: brand, draft: v.body, partner: partner, from: window.from, to: window.to)
        let emails = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            try await PartnerPlanAssignments.emails(of: Array(Set(result.rows.map(\.partnerID))), in: tx)
        }
        let t = pages.strings(req, ctx)
        var totals: [String: (current: Int64, draft: Int64)] = [:]
        for r in result.rows {
            totals[r.currency, default: (0, 0)].current += r.currentAmount
            totals[r.currency, default: (0, 0)].draft += r.draftAmount
        }
        func money(_ minor: Int64, _ currency: String) -> String { DecimalAmount.format(minor, exponent: ISO4217.exponents[currency] ?? 2) }
        return [
            "preview": [
                "month": window.label, "partner": email, "deals": result.deals,
                "rows": result.rows.map { r in
                    ["ib": emails[r.partnerID] ?? r.partnerID.uuidString.lowercased(), "component": t["plans_component_\(r.component.rawValue)"] ?? r.component.rawValue,
                     "currency": r.currency, "lots": PlanForm.lots(r.draftLotsExt), "current": money(r.currentAmount, r.currency),
                     "draft": money(r.draftAmount, r.currency), "difference": money(r.difference, r.currency)] as [String: Any]
                },
                "totals": totals.keys.sorted().map { c in
                    let x = totals[c] ?? (0, 0)
                    return ["currency": c, "current": money(x.current, c), "draft": money(x.draft, c), "difference": money(x.draft - x.current, c)]
                },
            ] as [String: Any],
        ]
    }
}
