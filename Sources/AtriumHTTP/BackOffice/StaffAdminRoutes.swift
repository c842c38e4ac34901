import AtriumBrandConfig
import AtriumCore
import AtriumIdentity
import AtriumStorage
import AtriumWork
import Foundation
import Hummingbird

/// Back Office staff (`staff.manage`): the list with roles, status, second factor and last
/// sign-in; invitations mailed through the outbox; role changes; deactivation (which ends the
/// member's sessions at once), reactivation and a second-factor reset. The rules live in
/// `StaffDirectory` and `StaffTwoFactor`; this file reads forms and renders.
struct StaffAdminRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }

    /// Registers the staff screens, the role editor and the staff security pages.
    func register(on router: Router<BrandRequestContext>) {
        let group = router.staff("/admin/staff", .staffManage, services: services)
        group.get("") { req, ctx in try await list(req, ctx) }
        group.post("/invite") { req, ctx in try await invite(req, ctx) }
        group.get("/:member") { req, ctx in try await member(req, ctx) }
        group.post("/:member/roles") { req, ctx in try await change(req, ctx, done: "roles_saved") { id, form, tx in
            try await StaffDirectory.setRoles(member: id, roles: try StaffAdminView.chosenRoles(form), grantor: ctx.staff.permissions,
                                              actor: ctx.staff.actor, requestID: ctx.requestID, in: tx)
        } }
        group.post("/:member/deactivate") { req, ctx in try await change(req, ctx, done: "deactivated") { id, _, tx in
            try await StaffDirectory.setActive(false, member: id, by: ctx.staff.user.id, actor: ctx.staff.actor, requestID: ctx.requestID, in: tx)
        } }
        group.post("/:member/reactivate") { req, ctx in try await change(req, ctx, done: "reactivated") { id, _, tx in
            try await StaffDirectory.setActive(true, member: id, by: ctx.staff.user.id, actor: ctx.staff.actor, requestID: ctx.requestID, in: tx)
        } }
        group.post("/:member/two-factor/reset") { req, ctx in try await change(req, ctx, done: "two_factor_reset") { id, _, tx in
            try await StaffTwoFactor.reset(member: id, actor: ctx.staff.actor, requestID: ctx.requestID, in: tx)
        } }
        RoleAdminRoutes(services: services).register(on: router)
        StaffSecurityRoutes(services: services).register(on: router)
    }

    func render(_ template: String, _ title: String, _ req: Request, _ ctx: StaffRequestContext, _ extra: [String: Any],
                status: HTTPResponse.Status = .ok) throws -> Response {
        let staff = RequirePermission.pageContext(ctx.staff)
        return try pages.render(template, title: title, request: req, context: ctx, extra: staff.merging(extra) { _, new in new }, status: status)
    }

    func list(_ req: Request, _ ctx: StaffRequestContext, values: [String: String] = [:], chosen: Set<UUID> = [],
              extra more: [String: Any] = [:], status: HTTPResponse.Status = .ok) async throws -> Response {
        let t = pages.strings(req, ctx)
        let (members, roles) = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            (try await StaffDirectory.list(in: tx), try await Roles.all(in: tx))
        }
        var extra: [String: Any] = [
            "members": members.map { m in
                ["id": m.id.uuidString.lowercased(), "email": m.email, "name": m.name, "roles": m.roles.joined(separator: ", "),
                 "status": m.status, "statusLabel": StaffAdminView.status(m.status, t), "twoFactor": m.twoFactor,
                 "lastSignIn": StaffAdminView.date(m.lastSignInAt, t), "isSelf": m.id == ctx.staff.user.id,
                 "disabled": m.status == "disabled"] as [String: Any]
            },
            "roleChoices": StaffAdminView.roleChoices(roles, chosen: chosen),
            "values": values,
        ]
        if let done = req.uri.queryParameters.get("done") { extra["notice"] = t["staff_notice_\(done)"] ?? "" }
        extra.merge(more) { _, new in new }
        return try render("admin/staff", "staff_title_list", req, ctx, extra, status: status)
    }

    func invite(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        var values: [String: String] = [:]
        var chosen = Set<UUID>()
        do {
            guard let brand = ctx.tenant.config else { throw HTTPError(.notFound) }
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            values = ["email": form["email"] ?? "", "name": form["name"] ?? ""]
            chosen = (try? StaffAdminView.chosenRoles(form)) ?? []
            let email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
            if !email.isEmpty, !TenantConfig.isValidEmail(email) { throw StaffAdminError(field: "email", .invalidEmail) }
            let roles = try StaffAdminView.chosenRoles(form)
            let base = AppServices.baseURL(config: services.config)(brand)
            let messages = TemplateInvitationMessages(renderer: services.renderer)
            try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                let invited = try await StaffDirectory.invite(email: email, name: form["name"] ?? "", roles: roles, grantor: ctx.staff.permissions,
                                                              actor: ctx.staff.actor, requestID: ctx.requestID, in: tx)
                let mail = try await messages.invitation(config: brand, email: email, link: "\(base)/admin/invite/\(invited.token)", in: tx)
                _ = try await Outbox.enqueue(to: email, subject: mail.subject, body: mail.body, in: tx)
            }
            return Responses.seeOther("/admin/staff?done=invited")
        } catch let error as any UserFacingError {
            let r = StaffAdminView.refusal(error, t)
            return try await list(req, ctx, values: values, chosen: chosen, extra: r.extra, status: r.status)
        }
    }

    /// The member named in the path, or a 404 (a malformed id is the same 404 as an unknown one).
    func memberID(_ ctx: StaffRequestContext) throws -> UUID {
        guard let id = UUID(uuidString: ctx.parameters.get("member") ?? "") else { throw StaffAdminError(field: "member", .notFound) }
        return id
    }

    func member(_ req: Request, _ ctx: StaffRequestContext, extra more: [String: Any] = [:], status: HTTPResponse.Status = .ok) async throws -> Response {
        let t = pages.strings(req, ctx)
        let id = try memberID(ctx)
        let (found, roles) = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            (try await StaffDirectory.member(id: id, in: tx), try await Roles.all(in: tx))
        }
        guard let m = found else { throw StaffAdminError(field: "member", .notFound) }
        var extra: [String: Any] = [
            "member": ["id": m.id.uuidString.lowercased(), "email": m.email, "name": m.name, "roles": m.roles.joined(separator: ", "),
                       "status": m.status, "statusLabel": StaffAdminView.status(m.status, t), "twoFactor": m.twoFactor,
                       "lastSignIn": StaffAdminView.date(m.lastSignInAt, t), "disabled": m.status == "disabled",
                       "isSelf": m.id == ctx.staff.user.id] as [String: Any],
            "roleChoices": StaffAdminView.roleChoices(roles, chosen: m.roleIDs),
        ]
        if let done = req.uri.queryParameters.get("done") { extra["notice"] = t["staff_notice_\(done)"] ?? "" }
        extra.merge(more) { _, new in new }
        return try render("admin/staff-member", "staff_title_member", req, ctx, extra, status: status)
    }

    /// A change to one member: the form is read (CSRF), `body` runs in one tenant transaction, and
    /// a refusal shows the member page again with the message and the field it names.
    func change(_ req: Request, _ ctx: StaffRequestContext, done: String,
                _ body: @escaping @Sendable (UUID, [String: String], TenantTransaction) async throws -> Void) async throws -> Response {
        let t = pages.strings(req, ctx)
        do {
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            let id = try memberID(ctx)
            try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await body(id, form, tx) }
            return Responses.seeOther("/admin/staff/\(id.uuidString.lowercased())?done=\(done)")
        } catch let error as StaffAdminError where error.reason == .notFound {
            throw error
        } catch let error as any UserFacingError {
            let r = StaffAdminView.refusal(error, t)
            return try await member(req, ctx, extra: r.extra, status: r.status)
        }
    }
}
