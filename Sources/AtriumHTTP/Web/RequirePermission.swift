import AtriumCore
import AtriumIdentity
import Hummingbird

/// Route-level guard for the Back Office: the staff member `StaffSession` signed in must hold
/// `permission` (when given), or the request is answered with a 403.
struct RequirePermission: RouterMiddleware {
    typealias Context = StaffRequestContext
    let permission: Permission?

    init(_ permission: Permission?) {
        self.permission = permission
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let permission, !context.staff.permissions.contains(permission) {
            throw RequestRejected(status: 403, publicMessage: "error_forbidden")
        }
        return try await next(request, context)
    }

    /// What the Back Office header and pages need to know about the signed-in staff member.
    static func pageContext(_ staff: StaffPrincipal) -> [String: Any] {
        let p = staff.permissions
        return ["staff": ["email": staff.user.email, "roles": staff.roles.joined(separator: ", "),
                          "permissions": p.map(\.rawValue).sorted()] as [String: Any],
                "canViewAudit": p.contains(.auditView), "canViewFinance": p.contains(.financeView), "canReviewKYC": p.contains(.kycReview), "canReviewRisk": p.contains(.amlReview),
                "canApprove": p.contains(.withdrawalsApprove), "canConfirm": p.contains(.depositsConfirm),
                "canManageTrading": p.contains(.tradingManage), "canManagePartners": p.contains(.partnersManage),
                "canManageBrand": p.contains(.brandManage),
                "canWorkLeads": p.contains(.clientsView),
                "canViewClients": p.contains(.clientsView), "canManageStaff": p.contains(.staffManage),
                "canReviewAML": p.contains(.amlReview)]
    }
}
