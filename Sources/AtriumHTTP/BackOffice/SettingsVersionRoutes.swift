import AtriumCore
import AtriumIdentity
import AtriumTenancy
import Foundation
import Hummingbird

/// Brand configuration versions (`brand.manage`): every version with who, when, origin and
/// section; the diff between any two; rollback to an earlier one (a new version, origin `rollback`).
struct SettingsVersionRoutes: Sendable {
    let services: AppServices
    var shared: SettingsPages { SettingsPages(services: services) }

    func register(on router: Router<BrandRequestContext>) {
        let group = router.staff("/admin/settings/versions", .brandManage, services: services)
        group.get("") { req, ctx in try await list(req, ctx) }
        group.post("/:version/rollback") { req, ctx in try await rollback(req, ctx) }
    }

    /// The versions, newest first, and the diff `from` → `to` (default: the previous version → the latest).
    func list(_ req: Request, _ ctx: StaffRequestContext, extra more: [String: Any] = [:], status: HTTPResponse.Status = .ok) async throws -> Response {
        let t = shared.pages.strings(req, ctx)
        let slug = ctx.tenant.handle.slug
        let versions = try await services.brandSettings.versions(slug: slug)
        let latest = versions.first?.version ?? 0
        let query = req.uri.queryParameters
        let to = query.get("to").flatMap { Int($0) } ?? latest
        let from = query.get("from").flatMap { Int($0) } ?? versions.first { $0.version < to }?.version ?? to
        var extra: [String: Any] = [
            "versions": versions.map { v in
                ["version": v.version, "at": SettingsPages.timestamp(v.createdAt), "who": v.who, "origin": t["settings_origin_\(v.origin)"] ?? v.origin,
                 "section": v.section.isEmpty ? "—" : v.section, "isLatest": v.version == latest,
                 "isFrom": v.version == from, "isTo": v.version == to] as [String: Any]
            },
            "from": from, "to": to,
        ]
        if from != to, let diff = try await services.brandSettings.diff(slug: slug, from: from, to: to) {
            extra["diff"] = SettingsPages.diffRows(diff, t)
            extra["hasDiff"] = true
            extra["diffEmpty"] = diff.changes.isEmpty
        }
        extra.merge(shared.notice(req, t)) { _, new in new }
        extra.merge(more) { _, new in new }
        return try shared.render("admin/settings-versions", "settings_title_versions", req, ctx, extra, status: status)
    }

    func rollback(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = shared.pages.strings(req, ctx)
        do {
            _ = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            guard let version = Int(ctx.parameters.get("version") ?? "") else { throw InputError(field: "version", reason: "a version number", status: 404) }
            let outcome = try await services.brandSettings.rollback(slug: ctx.tenant.handle.slug, to: version, actor: ctx.staff.actor, requestID: ctx.requestID)
            return shared.after(outcome, back: "/admin/settings/versions")
        } catch let error as any UserFacingError {
            let r = shared.refusal(error, t)
            return try await list(req, ctx, extra: r.extra, status: r.status)
        }
    }
}
