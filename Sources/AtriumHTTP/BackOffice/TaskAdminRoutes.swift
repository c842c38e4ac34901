import AtriumCore
import AtriumCRM
import AtriumIdentity
import AtriumStorage
import Foundation
import Hummingbird

/// Back Office tasks (`/admin/tasks…`, `clients.view`): "my tasks" (open first, overdue highlighted),
/// everyone's tasks for staff holding `clients.all`, creating a task (optionally about a client, from
/// `?client=ID`) and closing one as done or cancelled. Client scoping is in `AtriumCRM.Tasks`.
struct TaskAdminRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }

    func register(on router: Router<BrandRequestContext>) {
        let staff = router.staff("/admin/tasks", .clientsView, services: services)
        staff.get { req, ctx in try await list(req, ctx) }
        staff.get("new") { req, ctx in try await newForm(req, ctx, values: [:]) }
        staff.post("new") { req, ctx in try await create(req, ctx) }
        staff.post(":id/done") { req, ctx in try await close(req, ctx, as: .done) }
        staff.post(":id/cancel") { req, ctx in try await close(req, ctx, as: .cancelled) }
    }

    func scope(_ ctx: StaffRequestContext) -> ClientScope { ClientScope(staff: ctx.staff.user.id, permissions: ctx.staff.permissions) }

    /// The list page's values: `view=mine|all` (all needs `clients.all`), `status=open|done|all`.
    func listView(_ req: Request, _ ctx: StaffRequestContext) async throws -> [String: Any] {
        let t = pages.strings(req, ctx)
        let everyone = req.uri.queryParameters.get("view") == "all"
        let managesAll = ctx.staff.permissions.contains(.clientsAll)
        guard !everyone || managesAll else { throw RequestRejected(status: 403, publicMessage: "error_forbidden") }
        let filter = req.uri.queryParameters.get("status").flatMap(Tasks.Filter.init(rawValue:)) ?? .open
        let me = ctx.staff.user.id
        let scope = scope(ctx)
        let items = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            try await Tasks.list(assignee: everyone ? nil : me, filter: filter, scope: scope, in: tx)
        }
        let now = Date()
        var extra = RequirePermission.pageContext(ctx.staff)
        extra["tasks"] = items.map { i -> [String: Any] in
            let mayClose = i.status == .open && (managesAll || i.assigneeID == me || i.createdBy == me)
            return ["id": i.id.uuidString.lowercased(), "title": i.title, "details": i.details, "hasDetails": !i.details.isEmpty, "due": StaffTime.minute(i.dueAt),
                    "overdue": i.isOverdue(at: now), "status": i.status.rawValue, "statusLabel": t["crm_task_status_\(i.status.rawValue)"] ?? i.status.rawValue,
                    "assignee": i.assignee, "creator": i.creator, "client": i.client, "clientID": i.clientID?.uuidString.lowercased() ?? "",
                    "hasClient": i.clientID != nil, "mayClose": mayClose]
        }
        let overdue = items.filter { $0.isOverdue(at: now) }.count
        extra["overdueCount"] = overdue
        extra["hasOverdue"] = overdue > 0
        extra["everyone"] = everyone
        extra["canSeeEveryone"] = managesAll
        extra["viewParam"] = everyone ? "all" : "mine"
        extra["filters"] = Tasks.Filter.allCases.map { f -> [String: Any] in
            ["value": f.rawValue, "label": t["crm_tasks_filter_\(f.rawValue)"] ?? f.rawValue, "current": f == filter]
        }
        if let done = req.uri.queryParameters.get("done") { extra["notice"] = t["crm_notice_task_\(done)"] ?? "" }
        return extra
    }

    func list(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        try pages.render("admin/tasks", title: "crm_title_tasks", request: req, context: ctx, extra: try await listView(req, ctx))
    }

    func newForm(_ req: Request, _ ctx: StaffRequestContext, values: [String: String], refused: (extra: [String: Any], status: HTTPResponse.Status)? = nil)
        async throws -> Response {
        var values = values
        if values.isEmpty {
            values["client"] = req.uri.queryParameters.get("client") ?? ""
            values["assignee"] = ctx.staff.user.id.uuidString.lowercased()
        }
        let scope = scope(ctx)
        let clientText = values["client"] ?? ""
        let (staff, client) = try await services.tenantDB.transaction(ctx.tenant.handle) { tx -> ([CRMStaff.Member], String?) in
            let staff = try await CRMStaff.active(in: tx)
            guard !clientText.isEmpty else { return (staff, nil) }
            // A client the staff member cannot see is a 404, like its page.
            guard let id = UUID(uuidString: clientText), try await scope.allows(id, in: tx) else { throw HTTPError(.notFound) }
            let rows = try await tx.query("SELECT coalesce(nullif(name, ''), email) FROM users WHERE id = \(id)").collect()
            return (staff, try rows.first?.decode(String.self) ?? "")
        }
        var extra = RequirePermission.pageContext(ctx.staff)
        extra["values"] = values
        extra["clientName"] = client ?? ""
        extra["hasClient"] = client != nil
        extra["assignees"] = staff.map { m -> [String: Any] in
            let id = m.id.uuidString.lowercased()
            return ["id": id, "name": m.name, "email": m.email, "selected": id == values["assignee"]]
        }
        if let refused { extra.merge(refused.extra) { _, new in new } }
        return try pages.render("admin/task-new", title: "crm_title_task_new", request: req, context: ctx, extra: extra, status: refused?.status ?? .ok)
    }

    func create(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        var values: [String: String] = ["client": "", "assignee": ""]
        do {
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            for key in ["title", "details", "due_at", "assignee", "client"] { values[key] = form[key] ?? "" }
            let clientText = (values["client"] ?? "").trimmingCharacters(in: .whitespaces)
            var client: UUID?
            if !clientText.isEmpty {
                guard let id = UUID(uuidString: clientText) else { throw CRMFieldError("client", .notFound) }
                client = id
            }
            let assigneeText = values["assignee"] ?? ""
            let assignee: UUID? = assigneeText.isEmpty ? nil : (UUID(uuidString: assigneeText) ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
            let draft = Tasks.Draft(title: values["title"] ?? "", details: values["details"] ?? "", dueAt: values["due_at"] ?? "", assignee: assignee, client: client)
            let (staff, actor, requestID, scope) = (ctx.staff.user.id, ctx.staff.actor, ctx.requestID, scope(ctx))
            _ = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                try await Tasks.create(draft, by: staff, scope: scope, actor: actor, requestID: requestID, in: tx)
            }
            let back = client.map { "/admin/tasks?done=created&client=\($0.uuidString.lowercased())" } ?? "/admin/tasks?done=created"
            return Responses.seeOther(back)
        } catch {
            guard let refused = CRMErrorText.view(error, t) else { throw error }
            // An unknown or hidden client is a plain 404: the form cannot be shown for it.
            if refused.status == .notFound { throw HTTPError(.notFound) }
            return try await newForm(req, ctx, values: values, refused: refused)
        }
    }

    func close(_ req: Request, _ ctx: StaffRequestContext, as status: Tasks.Status) async throws -> Response {
        let t = pages.strings(req, ctx)
        do {
            _ = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            guard let id = ctx.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw CRMFieldError("task", .notFound) }
            let (staff, actor, requestID, scope) = (ctx.staff.user.id, ctx.staff.actor, ctx.requestID, scope(ctx))
            let managesAll = ctx.staff.permissions.contains(.clientsAll)
            try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                try await Tasks.close(id, as: status, by: staff, managesAll: managesAll, scope: scope, actor: actor, requestID: requestID, in: tx)
            }
            return Responses.seeOther("/admin/tasks?done=\(status.rawValue)")
        } catch {
            guard let refused = CRMErrorText.view(error, t) else { throw error }
            if refused.status == .notFound { throw HTTPError(.notFound) }
            var extra = try await listView(req, ctx)
            extra.merge(refused.extra) { _, new in new }
            return try pages.render("admin/tasks", title: "crm_title_tasks", request: req, context: ctx, extra: extra, status: refused.status)
        }
    }
}
