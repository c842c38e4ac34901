import AtriumCore
import AtriumIdentity
import AtriumTenancy
import Foundation
import Hummingbird

/// Four-eyes approvals (`brand.manage`): pending changes to PSP credentials and limits and to
/// withdrawal limits, with their diff against the current settings; another staff member approves
/// (applied if its base version is still current, else superseded) or rejects.
struct SettingsApprovalRoutes: Sendable {
    let services: AppServices
    var shared: SettingsPages { SettingsPages(services: services) }

    func register(on router: Router<BrandRequestContext>) {
        let group = router.staff("/admin/settings/approvals", .brandManage, services: services)
        group.get("") { req, ctx in try await list(req, ctx) }
        group.post("/:change/approve") { req, ctx in try await decide(req, ctx, approve: true) }
        group.post("/:change/reject") { req, ctx in try await decide(req, ctx, approve: false) }
    }

    func list(_ req: Request, _ ctx: StaffRequestContext, extra more: [String: Any] = [:], status: HTTPResponse.Status = .ok) async throws -> Response {
        let t = shared.pages.strings(req, ctx)
        let slug = ctx.tenant.handle.slug
        let current = try await services.brandSettings.current(slug: slug)
        let changes = try await services.brandSettings.changes(slug: slug, all: true)
        var rows: [[String: Any]] = []
        for c in changes {
            let pending = c.status == "pending"
            rows.append(["id": c.id.uuidString.lowercased(), "section": c.section, "base": c.baseVersion, "by": c.proposerEmail,
                         "at": SettingsPages.timestamp(c.proposedAt), "status": t["settings_status_\(c.status)"] ?? c.status, "pending": pending,
                         "own": c.proposedBy == ctx.staff.user.id,
                         "diff": pending ? SettingsPages.diffRows(try ConfigDiff.between(current, c.config), t) : []])
        }
        var extra: [String: Any] = ["changes": rows, "hasChanges": !rows.isEmpty]
        extra.merge(shared.notice(req, t)) { _, new in new }
        extra.merge(more) { _, new in new }
        return try shared.render("admin/settings-approvals", "settings_title_approvals", req, ctx, extra, status: status)
    }

    func decide(_ req: Request, _ ctx: StaffRequestContext, approve: Bool) async throws -> Response {
        let t = shared.pages.strings(req, ctx)
        do {
            _ = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            guard let id = UUID(uuidString: ctx.parameters.get("change") ?? "") else { throw ProvisioningError.changeNotFound }
            let slug = ctx.tenant.handle.slug
            if approve {
                _ = try await services.brandSettings.approve(slug: slug, change: id, actor: ctx.staff.actor, requestID: ctx.requestID)
                return Responses.seeOther("/admin/settings/approvals?done=approved")
            }
            try await services.brandSettings.reject(slug: slug, change: id, actor: ctx.staff.actor, requestID: ctx.requestID)
            return Responses.seeOther("/admin/settings/approvals?done=rejected")
        } catch let error as any UserFacingError {
            let r = shared.refusal(error, t)
            return try await list(req, ctx, extra: r.extra, status: r.status)
        }
    }
}
