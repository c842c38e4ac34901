import AtriumCore
import AtriumIdentity
import AtriumStorage
import Foundation
import Hummingbird

/// Back Office (`/admin`): staff login, invitation acceptance, dashboard and audit trail.
struct AdminRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }

    func register(on router: Router<BrandRequestContext>) {
        let traders = TraderRoutes(services: services)
        router.group().add(middleware: StaffSession(services: services, required: false)).get("/admin") { req, ctx in try await entry(req, ctx) }
        router.post("/admin/login") { req, ctx in try await traders.login(req, ctx, audience: .staff, template: "admin/login", home: "/admin") }
        router.post("/admin/logout") { req, ctx in try await traders.logout(req, ctx, audience: .staff, home: "/admin") }
        router.get("/admin/invite/:token") { req, ctx in try await invitation(req, ctx) }
        router.post("/admin/invite/:token") { req, ctx in try await InvitationAcceptance(services: services, audience: .staff, home: "/admin", template: "admin/invite", title: "title_admin_invite", action: "staff.invitation.accepted").accept(req, ctx) }
        router.staff("/admin/audit", .auditView, services: services)
            .get { req, ctx in try await audit(req, ctx) }
    }

    /// The login page, or the dashboard of the staff member `StaffSession` signed in.
    func entry(_ req: Request, _ ctx: BrandRequestContext) async throws -> Response {
        guard let staff = ctx.staff else {
            return try pages.render("admin/login", title: "title_admin_login", request: req, context: ctx)
        }
        // Staff who may read reports get the dashboard; the others a home with links to what they may use.
        if staff.permissions.contains(.reportsView) { return try await DashboardRoutes(services: services).dashboard(req, ctx, staff: staff) }
        return try pages.render("admin/dashboard", title: "title_admin_dashboard", request: req, context: ctx,
                                extra: RequirePermission.pageContext(staff))
    }

    func audit(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let rows = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await AuditLog.recent(limit: 100, in: tx) }
        // Links and the platform's anchor: rows removed from the tail show as well as altered ones.
        let chain = try await AuditAnchors.verify(ctx.tenant.handle, tenantDB: services.tenantDB)
        let formatter = ISO8601DateFormatter()
        return try pages.render("admin/audit", title: "title_admin_audit", request: req, context: ctx, extra: [
            "staff": ["email": ctx.staff.user.email, "roles": ctx.staff.roles.joined(separator: ", ")],
            "entries": rows.map { ["id": $0.seq, "at": formatter.string(from: $0.at), "actor": $0.actor, "action": $0.action,
                                   "subject": $0.subject, "requestId": $0.requestID] as [String: Any] },
            "chainOK": chain.isIntact, "brokenAt": Self.brokenAt(chain),
        ])
    }

    /// The entry the audit page names after "broken at entry:".
    static func brokenAt(_ chain: AuditChainStatus) -> String {
        switch chain {
        case .intact: ""
        case .broken(let seq): "\(seq)"
        case .truncated(let anchored, let head): "\(anchored) (truncated: anchored entry missing, chain ends at \(head))"
        }
    }

    func invitation(_ req: Request, _ ctx: BrandRequestContext) async throws -> Response {
        let token = ctx.parameters.get("token") ?? ""
        let found = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await Invitations.peek(token: token, audience: .staff, in: tx) }
        guard let (_, email) = found else {
            throw RequestRejected(status: 410, publicMessage: "error_invitation_invalid")
        }
        return try pages.render("admin/invite", title: "title_admin_invite", request: req, context: ctx, extra: ["token": token, "email": email])
    }

}
