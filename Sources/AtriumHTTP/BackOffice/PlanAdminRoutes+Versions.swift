import AtriumCore
import AtriumPartners
import Foundation
import Hummingbird

extension PlanAdminRoutes {
    /// The version named in the path (its number within the plan), or a 404.
    func versionRecord(_ ctx: StaffRequestContext, plan: PlanRecord) async throws -> (PlanVersionRecord, previous: PlanVersionRecord?) {
        guard let number = Int(ctx.parameters.get("version") ?? "") else { throw PlanError.versionNotFound }
        let versions = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await CommissionPlans.versions(plan: plan.id, in: tx) }
        guard let v = versions.first(where: { $0.version == number }) else { throw PlanError.versionNotFound }
        return (v, versions.filter { $0.version < number }.max { $0.version < $1.version })
    }

    /// A version: the editor (read-only once published), publish, its changes from the version
    /// before, and the preview of what last month would have paid under it.
    func version(_ req: Request, _ ctx: StaffRequestContext, form: [String: String]? = nil, extra more: [String: Any] = [:],
                 status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let brand = ctx.tenant.config else { throw HTTPError(.notFound) }
        let t = pages.strings(req, ctx)
        let plan = try await planRecord(ctx)
        let (v, previous) = try await versionRecord(ctx, plan: plan)
        let base = "/admin/partners/plans/\(plan.id.uuidString.lowercased())"
        let draft = v.status == .draft
        var extra: [String: Any] = [
            "plan": ["id": plan.id.uuidString.lowercased(), "name": plan.name, "base": base],
            "version": PlanEditorView.versionRow(v, base: base, t: t),
            "isDraft": draft,
            "editor": PlanEditorView.editor(form ?? PlanForm.values(v.body, effectiveFrom: v.effectiveFrom), brand: brand, readOnly: !draft, t: t),
        ]
        if let previous {
            extra["diff"] = try PlanEditorView.diff(previous, v)
            extra["diffTitle"] = "v\(previous.version) → v\(v.version)"
        }
        if let done = req.uri.queryParameters.get("done") { extra["notice"] = t["plans_notice_\(done)"] ?? "" }
        extra["previewMonth"] = (try? Self.previewWindow(nil).label) ?? ""
        var status = status
        do {
            extra.merge(try await preview(req, ctx, version: v)) { _, new in new }
        } catch let error as any UserFacingError {
            let r = refusal(error, t)
            extra.merge(r.extra) { _, new in new }
            status = r.status
        }
        extra.merge(more) { _, new in new }
        return try render("admin/plan-version", "plans_title_version", req, ctx, extra, status: status)
    }

    func editDraft(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        guard let brand = ctx.tenant.config else { throw HTTPError(.notFound) }
        let t = pages.strings(req, ctx)
        var form: [String: String]?
        do {
            let fields = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            form = fields
            let plan = try await planRecord(ctx)
            let (v, _) = try await versionRecord(ctx, plan: plan)
            let (body, from) = try PlanForm.parse(fields, symbolGroups: brand.symbolGroupNames).get()
            _ = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                try await CommissionPlans.editDraft(version: v.id, body: body, effectiveFrom: from, symbolGroups: brand.symbolGroupNames,
                                                    actor: ctx.staff.actor, requestID: ctx.requestID, in: tx)
            }
            return Responses.seeOther("/admin/partners/plans/\(plan.id.uuidString.lowercased())/versions/\(v.version)?done=draft_saved")
        } catch let error as any UserFacingError {
            let r = refusal(error, t)
            return try await version(req, ctx, form: form, extra: r.extra, status: r.status)
        }
    }

    func publish(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        guard let brand = ctx.tenant.config else { throw HTTPError(.notFound) }
        let t = pages.strings(req, ctx)
        do {
            _ = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            let plan = try await planRecord(ctx)
            let (v, _) = try await versionRecord(ctx, plan: plan)
            _ = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                try await CommissionPlans.publish(version: v.id, symbolGroups: brand.symbolGroupNames, actor: ctx.staff.actor,
                                                  requestID: ctx.requestID, in: tx)
            }
            return Responses.seeOther("/admin/partners/plans/\(plan.id.uuidString.lowercased())/versions/\(v.version)?done=plan_published")
        } catch let error as any UserFacingError {
            let r = refusal(error, t)
            return try await version(req, ctx, extra: r.extra, status: r.status)
        }
    }
}
