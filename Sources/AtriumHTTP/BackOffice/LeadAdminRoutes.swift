import AtriumCore
import AtriumCRM
import AtriumIdentity
import AtriumStorage
import Foundation
import Hummingbird

/// Back Office leads pipeline (`/admin/leads…`, `clients.view`): the board by stage with each lead's
/// agent; moving a lead (`clients.edit`; lost needs a reason); assigning leads to an agent one by one
/// or in bulk (`clients.all` and `clients.edit`). A Sales agent sees only their own leads.
struct LeadAdminRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }

    func register(on router: Router<BrandRequestContext>) {
        let staff = router.staff("/admin/leads", .clientsView, services: services)
        staff.get { req, ctx in try await board(req, ctx) }
        staff.post(":id/stage") { req, ctx in try await move(req, ctx) }
        staff.post("assign") { req, ctx in try await assign(req, ctx) }
    }

    /// Form fields of the bulk form's checkboxes: `client_<uuid>`.
    static let clientPrefix = "client_"

    func scope(_ ctx: StaffRequestContext) -> ClientScope { ClientScope(staff: ctx.staff.user.id, permissions: ctx.staff.permissions) }
    func canEdit(_ ctx: StaffRequestContext) -> Bool { ctx.staff.permissions.contains(.clientsEdit) }
    func canAssign(_ ctx: StaffRequestContext) -> Bool { ctx.staff.permissions.isSuperset(of: [.clientsEdit, .clientsAll]) }

    func boardView(_ req: Request, _ ctx: StaffRequestContext) async throws -> [String: Any] {
        let t = pages.strings(req, ctx)
        let scope = scope(ctx)
        let (columns, counts, agents) = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            var columns: [(Leads.Stage, [Leads.Lead])] = []
            for stage in Leads.Stage.allCases { columns.append((stage, try await Leads.list(stage, scope: scope, in: tx))) }
            return (columns, try await Leads.counts(scope: scope, in: tx), try await CRMStaff.active(in: tx))
        }
        let (edit, assign) = (canEdit(ctx), canAssign(ctx))
        var extra = RequirePermission.pageContext(ctx.staff)
        extra["stages"] = columns.map { stage, leads -> [String: Any] in
            ["stage": stage.rawValue, "label": t["crm_stage_\(stage.rawValue)"] ?? stage.rawValue, "count": counts[stage] ?? 0,
             "more": (counts[stage] ?? 0) > leads.count,
             "leads": leads.map { l -> [String: Any] in
                 let id = l.clientID.uuidString.lowercased()
                 return ["id": id, "name": l.name.isEmpty ? l.email : l.name, "email": l.email, "country": l.country,
                         "registered": StaffTime.minute(l.registeredAt), "changed": l.changedAt.map(StaffTime.minute) ?? "",
                         "agent": l.agent, "hasAgent": l.agentID != nil, "reason": l.lostReason, "hasReason": !l.lostReason.isEmpty, "stage": l.stage.rawValue,
                         "movable": edit && l.stage != .funded,
                         "targets": Leads.Stage.manual.filter { $0 != l.stage }.map { ["value": $0.rawValue, "label": t["crm_stage_\($0.rawValue)"] ?? $0.rawValue] }]
             }]
        }
        extra["canEditLeads"] = edit
        extra["canAssign"] = assign
        extra["agents"] = agents.map { ["id": $0.id.uuidString.lowercased(), "name": $0.name, "email": $0.email] }
        extra["onlyMine"] = !scope.seesAll
        if let done = req.uri.queryParameters.get("done") { extra["notice"] = t["crm_notice_lead_\(done)"] ?? "" }
        return extra
    }

    func board(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        try pages.render("admin/leads", title: "crm_title_leads", request: req, context: ctx, extra: try await boardView(req, ctx))
    }

    /// Renders the board again with a refusal, or rethrows what is not one; a hidden lead is a plain 404.
    func refuse(_ error: any Error, _ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        guard let refused = CRMErrorText.view(error, pages.strings(req, ctx)) else { throw error }
        if refused.status == .notFound, (error as? CRMFieldError)?.field == "client" { throw HTTPError(.notFound) }
        var extra = try await boardView(req, ctx)
        extra.merge(refused.extra) { _, new in new }
        return try pages.render("admin/leads", title: "crm_title_leads", request: req, context: ctx, extra: extra, status: refused.status)
    }

    func move(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        guard canEdit(ctx) else { throw RequestRejected(status: 403, publicMessage: "error_forbidden") }
        do {
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: pages.strings(req, ctx))
            guard let client = ctx.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw CRMFieldError("client", .notFound) }
            let (actor, requestID, scope) = (ctx.staff.actor, ctx.requestID, scope(ctx))
            try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                try await Leads.move(client, to: form["stage"] ?? "", reason: form["reason"] ?? "", scope: scope, actor: actor, requestID: requestID, in: tx)
            }
            return Responses.seeOther("/admin/leads?done=moved")
        } catch {
            return try await refuse(error, req, ctx)
        }
    }

    func assign(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        guard canAssign(ctx) else { throw RequestRejected(status: 403, publicMessage: "error_forbidden") }
        do {
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: pages.strings(req, ctx))
            var clients: [UUID] = []
            for key in form.keys.sorted() where key.hasPrefix(Self.clientPrefix) {
                guard let id = UUID(uuidString: String(key.dropFirst(Self.clientPrefix.count))) else { throw CRMFieldError("clients", .invalid) }
                clients.append(id)
            }
            let agentText = form["agent"] ?? ""
            let agent: UUID? = agentText.isEmpty ? nil : (UUID(uuidString: agentText) ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
            let (actor, requestID) = (ctx.staff.actor, ctx.requestID)
            try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                try await ClientAssignments.assign(clients, to: agent, actor: actor, requestID: requestID, in: tx)
            }
            return Responses.seeOther("/admin/leads?done=assigned")
        } catch {
            return try await refuse(error, req, ctx)
        }
    }
}
