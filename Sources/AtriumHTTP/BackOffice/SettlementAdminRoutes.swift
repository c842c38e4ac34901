import AtriumCore
import AtriumIdentity
import AtriumLedger
import AtriumPartners
import Foundation
import Hummingbird

/// Back Office commission settlement approvals. Finance sees the queue (`finance.view`); deciding
/// pays money out of the house, so it needs `withdrawals.approve`, the permission that already
/// guards the other payout decision. Sales (`partners.manage`) runs the IB programme but cannot
/// approve its own payouts.
struct SettlementAdminRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }

    func register(on router: Router<BrandRequestContext>) {
        router.staff("/admin", .financeView, services: services)
            .get("/partners/settlements") { req, ctx in try await queue(req, ctx) }
        router.staff("/admin", .withdrawalsApprove, services: services)
            .post("/partners/settlements/:id/approve") { req, ctx in try await decide(req, ctx, approve: true) }
            .post("/partners/settlements/:id/reject") { req, ctx in try await decide(req, ctx, approve: false) }
    }

    static func view(_ s: SettlementRecord, t: [String: String]) -> [String: Any] {
        [
            "id": s.id.uuidString.lowercased(), "partner": s.partnerName, "email": s.partnerEmail,
            "period": s.periodStart == s.periodEnd ? s.periodStart : "\(s.periodStart) – \(s.periodEnd)",
            "amount": Money(minor: s.amount, currency: s.currency).amountText, "currency": s.currency.code, "lines": s.lines,
            "status": s.status.rawValue, "statusLabel": t["settlement_status_\(s.status.rawValue)"] ?? s.status.rawValue, "note": s.note,
            "created": s.createdAt.formatted(.iso8601), "waiting": s.status == .awaitingApproval,
        ]
    }

    func queue(_ req: Request, _ ctx: StaffRequestContext, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let t = pages.strings(req, ctx)
        let open = try await services.settlements.list(tenant: ctx.tenant.handle, statuses: [.awaitingApproval, .approved])
        let done = try await services.settlements.list(tenant: ctx.tenant.handle, statuses: [.posted, .rejected], limit: 50)
        var extra: [String: Any] = ["queue": open.map { Self.view($0, t: t) }, "recent": done.reversed().map { Self.view($0, t: t) }]
        if let error { extra["error"] = error }
        if let notice = req.uri.queryParameters.get("done") { extra["notice"] = t["notice_\(notice)"] ?? "" }
        return try pages.render("admin/settlements", title: "title_admin_settlements", request: req, context: ctx,
                                extra: RequirePermission.pageContext(ctx.staff).merging(extra) { _, new in new }, status: status)
    }

    func decide(_ req: Request, _ ctx: StaffRequestContext, approve: Bool) async throws -> Response {
        let t = pages.strings(req, ctx)
        do {
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            guard let id = UUID(uuidString: ctx.parameters.get("id") ?? "") else { throw SettlementError.notFound }
            if approve {
                try await services.settlements.approve(tenant: ctx.tenant.handle, settlement: id, staff: ctx.staff.user.id,
                                                       note: String((form["note"] ?? "").prefix(1000)), requestID: ctx.requestID)
                return Responses.seeOther("/admin/partners/settlements?done=settlement_approved")
            }
            let reason = try Forms.required(form, "reason", max: 1000, strings: t)
            try await services.settlements.reject(tenant: ctx.tenant.handle, settlement: id, staff: ctx.staff.user.id, reason: reason, requestID: ctx.requestID)
            return Responses.seeOther("/admin/partners/settlements?done=settlement_rejected")
        } catch let error as any UserFacingError {
            return try await queue(req, ctx, error: t[error.publicMessage] ?? error.publicMessage, status: HTTPResponse.Status(code: error.status))
        }
    }
}
