import AtriumCompliance
import AtriumCore
import Foundation
import Hummingbird

/// Lifting a client's freeze (`aml.review`): a confirmed sanctions hit or an AML case froze the
/// account; only a compliance reviewer lifts it, with a reason, audited as `account.unfrozen`.
struct FreezeRoutes: Sendable {
    let services: AppServices

    func register(on router: Router<BrandRequestContext>) {
        router.staff("/admin/kyc", .amlReview, services: services).post("/:user/freeze/lift") { req, ctx in try await lift(req, ctx) }
    }

    /// POST /admin/kyc/:user/freeze/lift — `reason` (1–500 characters) is required.
    func lift(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let compliance = ComplianceRoutes(services: services)
        let t = compliance.pages.strings(req, ctx)
        let client = try compliance.userID(ctx)
        let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
        let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...500).contains(reason.count) else {
            return try await compliance.reviewCase(req, ctx, error: t["freeze_lift_reason_required"] ?? "Give a reason (at most 500 characters).",
                                                   errorField: "reason", status: .unprocessableContent)
        }
        let (actor, requestID) = (ctx.staff.actor, ctx.requestID)
        let lifted = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            try await AccountFreezes.lift(client, reason: reason, actor: actor, requestID: requestID, in: tx)
        }
        guard lifted else { throw RequestRejected(status: 404, publicMessage: "freeze_not_found") }
        return Responses.seeOther("/admin/kyc/\(client.uuidString.lowercased())?hit=lifted")
    }
}
