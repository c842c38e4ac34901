/// Named permissions checked by Back Office routes and API calls. Stored by raw value.
public enum Permission: String, Sendable, CaseIterable, Codable {
    case brandManage = "brand.manage"
    case staffManage = "staff.manage"
    case auditView = "audit.view"
    case clientsView = "clients.view"
    /// See every client of the brand; without it, a staff member sees only the clients assigned to them.
    case clientsAll = "clients.all"
    case clientsEdit = "clients.edit"
    case kycReview = "kyc.review"
    /// Work AML alerts and cases, trading risk flags, and freeze or unfreeze accounts.
    case amlReview = "aml.review"
    case financeView = "finance.view"
    case depositsConfirm = "deposits.confirm"
    case withdrawalsApprove = "withdrawals.approve"
    case tradingManage = "trading.manage"
    case partnersManage = "partners.manage"
    case reportsView = "reports.view"
    case supportTickets = "support.tickets"
}

/// The roles every tenant starts with.
public enum BuiltinRole: String, CaseIterable, Sendable {
    case superAdmin = "Super Admin"
    case compliance = "Compliance"
    case finance = "Finance"
    case sales = "Sales"
    case support = "Support"

    /// What each role may do. Sales has no finance data and sees only its assigned clients; Support cannot approve withdrawals.
    public var permissions: Set<Permission> {
        switch self {
        case .superAdmin: Set(Permission.allCases)
        case .compliance: [.clientsView, .clientsAll, .kycReview, .amlReview, .auditView, .reportsView]
        case .finance: [.clientsView, .clientsAll, .financeView, .depositsConfirm, .withdrawalsApprove, .reportsView]
        case .sales: [.clientsView, .clientsEdit, .partnersManage]
        case .support: [.clientsView, .clientsAll, .supportTickets]
        }
    }
}
