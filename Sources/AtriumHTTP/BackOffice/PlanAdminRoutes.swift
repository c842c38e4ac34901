import AtriumCore
import AtriumIdentity
import AtriumPartners
import AtriumStorage
import Foundation
import Hummingbird

/// Back Office commission plans (`partners.manage`): the plan list, a plan with its versions,
/// assignments and diff, the version editor, publication and the draft preview.
struct PlanAdminRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }

    func register(on router: Router<BrandRequestContext>) {
        let group = router.staff("/admin/partners/plans", .partnersManage, services: services)
        group.get("") { req, ctx in try await list(req, ctx) }
        group.post("") { req, ctx in try await create(req, ctx) }
        group.get("/:plan") { req, ctx in try await plan(req, ctx) }
        group.post("/:plan/versions") { req, ctx in try await saveDraft(req, ctx) }
        group.post("/:plan/assign") { req, ctx in try await assign(req, ctx) }
        group.get("/:plan/versions/:version") { req, ctx in try await version(req, ctx) }
        group.post("/:plan/versions/:version") { req, ctx in try await editDraft(req, ctx) }
        group.post("/:plan/versions/:version/publish") { req, ctx in try await publish(req, ctx) }
    }

    func render(_ template: String, _ title: String, _ req: Request, _ ctx: StaffRequestContext, _ extra: [String: Any],
                status: HTTPResponse.Status = .ok) throws -> Response {
        let staff = RequirePermission.pageContext(ctx.staff)
        return try pages.render(template, title: title, request: req, context: ctx, extra: staff.merging(extra) { _, new in new }, status: status)
    }

    /// The message and the field list of a refused form, and its HTTP status.
    func refusal(_ error: any UserFacingError, _ t: [String: String]) -> (extra: [String: Any], status: HTTPResponse.Status) {
        var problems = (error as? PlanError)?.problems ?? []
        if let input = error as? InputError { problems = [PlanProblem(field: input.field, reason: input.reason)] }
        let message = problems.isEmpty ? (t[error.publicMessage] ?? error.publicMessage) : (t["plans_error_fields"] ?? "Please correct these fields.")
        return (["error": message, "problems": problems.map { ["field": $0.field, "reason": $0.reason] }, "hasProblems": !problems.isEmpty],
                HTTPResponse.Status(code: error.status))
    }

    func list(_ req: Request, _ ctx: StaffRequestContext, extra more: [String: Any] = [:], status: HTTPResponse.Status = .ok) async throws -> Response {
        let plans = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await CommissionPlans.plans(in: tx) }
        var extra: [String: Any] = [
            "plans": plans.map { p in
                ["id": p.id.uuidString.lowercased(), "name": p.name, "versions": p.versions,
                 "published": p.latestPublished.map { "v\($0)" } ?? "—"] as [String: Any]
            },
        ]
        extra.merge(more) { _, new in new }
        return try render("admin/plans", "plans_title_list", req, ctx, extra, status: status)
    }

    func create(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        do {
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            let id = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                try await CommissionPlans.create(name: form["name"] ?? "", actor: ctx.staff.actor, requestID: ctx.requestID, in: tx)
            }
            return Responses.seeOther("/admin/partners/plans/\(id.uuidString.lowercased())?done=plan_created")
        } catch let error as any UserFacingError {
            let r = refusal(error, t)
            return try await list(req, ctx, extra: r.extra, status: r.status)
        }
    }

    /// The plan named in the path, or a 404 (a malformed id is the same 404 as an unknown one).
    func planRecord(_ ctx: StaffRequestContext) async throws -> PlanRecord {
        guard let id = UUID(uuidString: ctx.parameters.get("plan") ?? ""),
              let plan = try await services.tenantDB.transaction(ctx.tenant.handle, { tx in try await CommissionPlans.plan(id: id, in: tx) }) else {
            throw PlanError.planNotFound
        }
        return plan
    }

    /// A plan: its versions, a diff of two of them, its IBs, and the form for a new draft
    /// (prefilled from the newest version, or from `form` when that form was refused).
    func plan(_ req: Request, _ ctx: StaffRequestContext, form: [String: String]? = nil, extra more: [String: Any] = [:],
              status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let brand = ctx.tenant.config else { throw HTTPError(.notFound) }
        let t = pages.strings(req, ctx)
        let plan = try await planRecord(ctx)
        let (versions, assignments) = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            (try await CommissionPlans.versions(plan: plan.id, in: tx), try await PartnerPlanAssignments.assignments(plan: plan.id, in: tx))
        }
        let base = "/admin/partners/plans/\(plan.id.uuidString.lowercased())"
        let fields = form ?? versions.first.map { PlanForm.values($0.body, effectiveFrom: nil) }
            ?? PlanForm.values(CommissionPlan(currency: brand.partnerProgram.resolvedCurrency), effectiveFrom: nil)
        var extra: [String: Any] = [
            "plan": ["id": plan.id.uuidString.lowercased(), "name": plan.name, "base": base],
            "versions": versions.map { PlanEditorView.versionRow($0, base: base, t: t) },
            "assignments": assignments.map { ["email": $0.partnerEmail, "from": $0.effectiveFrom.formatted(.iso8601)] },
            "editor": PlanEditorView.editor(fields, brand: brand, readOnly: false, t: t),
            "assignFrom": PlanForm.formatDate(Date().addingTimeInterval(3600)),
        ]
        if versions.count >= 2 {
            let q = req.uri.queryParameters
            let to = q.get("to").flatMap(Int.init) ?? versions[0].version
            let from = q.get("from").flatMap(Int.init) ?? versions[1].version
            extra["diffChoices"] = versions.map { ["version": $0.version, "from": $0.version == from, "to": $0.version == to] as [String: Any] }
            if let a = versions.first(where: { $0.version == from }), let b = versions.first(where: { $0.version == to }) {
                extra["diff"] = try PlanEditorView.diff(a, b)
                extra["diffTitle"] = "v\(from) → v\(to)"
            }
        }
        if let done = req.uri.queryParameters.get("done") { extra["notice"] = t["plans_notice_\(done)"] ?? "" }
        extra.merge(more) { _, new in new }
        return try render("admin/plan", "plans_title_plan", req, ctx, extra, status: status)
    }

    func saveDraft(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        guard let brand = ctx.tenant.config else { throw HTTPError(.notFound) }
        let t = pages.strings(req, ctx)
        var form: [String: String]?
        do {
            let fields = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            form = fields
            let plan = try await planRecord(ctx)
            let (body, from) = try PlanForm.parse(fields, symbolGroups: brand.symbolGroupNames).get()
            let saved = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                try await CommissionPlans.saveDraft(plan: plan.id, body: body, effectiveFrom: from, symbolGroups: brand.symbolGroupNames,
                                                    actor: ctx.staff.actor, requestID: ctx.requestID, in: tx)
            }
            return Responses.seeOther("/admin/partners/plans/\(plan.id.uuidString.lowercased())/versions/\(saved.version)?done=draft_saved")
        } catch let error as any UserFacingError {
            let r = refusal(error, t)
            return try await plan(req, ctx, form: form, extra: r.extra, status: r.status)
        }
    }

    func assign(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        do {
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            let plan = try await planRecord(ctx)
            guard let from = PlanForm.date((form["effective_from"] ?? "").trimmingCharacters(in: .whitespaces)) else {
                throw PlanError.invalid([PlanProblem(field: "effective_from", reason: "a date and time like 2026-01-31T00:00 (UTC)")])
            }
            try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                try await PartnerPlanAssignments.assign(partnerEmail: (form["partner"] ?? "").trimmingCharacters(in: .whitespaces), plan: plan.id,
                                                        effectiveFrom: from, actor: ctx.staff.actor, requestID: ctx.requestID, in: tx)
            }
            return Responses.seeOther("/admin/partners/plans/\(plan.id.uuidString.lowercased())?done=plan_assigned")
        } catch let error as any UserFacingError {
            let r = refusal(error, t)
            return try await plan(req, ctx, extra: r.extra, status: r.status)
        }
    }
}
