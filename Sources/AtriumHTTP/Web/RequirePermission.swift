import AtriumCore
import AtriumIdentity
import AtriumStorage
import Hummingbird

/// Route-level guard for the Back Office: requires a live staff session on this tenant and,
/// when given, a permission. Puts the principal on the context for the handler.
/// Without a session it redirects to the login page; without the permission it answers 403.
struct RequirePermission: RouterMiddleware {
    typealias Context = AtriumRequestContext
    let permission: Permission?
    let services: AppServices

    init(_ permission: Permission?, services: AppServices) {
        self.permission = permission
        self.services = services
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let tenant = context.tenant else { throw HTTPError(.notFound) }
        guard let token = request.cookies[Audience.staff.cookieName]?.value, !token.isEmpty,
              let principal = try await Self.principal(token: token, tenant: tenant.handle, services: services) else {
            return Responses.seeOther("/admin")
        }
        if let permission, !principal.permissions.contains(permission) {
            throw RequestRejected(status: 403, publicMessage: "error_forbidden")
        }
        var context = context
        context.staff = principal
        return try await next(request, context)
    }

    /// What the Back Office header and pages need to know about the signed-in staff member.
    static func pageContext(_ staff: StaffPrincipal) -> [String: Any] {
        let p = staff.permissions
        return ["staff": ["email": staff.user.email, "roles": staff.roles.joined(separator: ", "),
                          "permissions": p.map(\.rawValue).sorted()] as [String: Any],
                "canViewAudit": p.contains(.auditView), "canViewFinance": p.contains(.financeView), "canReviewKYC": p.contains(.kycReview),
                "canApprove": p.contains(.withdrawalsApprove), "canConfirm": p.contains(.depositsConfirm),
                "canManageTrading": p.contains(.tradingManage)]
    }

    static func principal(token: String, tenant: TenantHandle, services: AppServices) async throws -> StaffPrincipal? {
        try await services.tenantDB.transaction(tenant) { tx in
            guard let user = try await Sessions.user(token: token, audience: .staff, in: tx) else { return nil }
            let access = try await RBAC.access(of: user.id, in: tx)
            return StaffPrincipal(user: user, roles: access.roles, permissions: access.permissions)
        }
    }
}
