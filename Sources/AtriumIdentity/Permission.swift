/// Named permissions checked by Back Office routes and API calls. Stored by raw value.
public enum Permission: String, Sendable, CaseIterable, Codable {
    case brandManage = "brand.manage"
    case staffManage = "staff.manage"
    case auditView = "audit.view"
    case clientsView = "clients.view"
    case clientsEdit = "clients.edit"
    case kycReview = "kyc.review"
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

    /// What each role may do. Sales has no finance data; Support cannot approve withdrawals.
    public var permissions: Set<Permission> {
        switch self {
        case .superAdmin: Set(Permission.allCases)
        case .compliance: [.clientsView, .kycReview, .auditView, .reportsView]
        case .finance: [.clientsView, .financeView, .depositsConfirm, .withdrawalsApprove, .reportsView]
        case .sales: [.clientsView, .clientsEdit, .partnersManage]
        case .support: [.clientsView, .supportTickets]
        }
    }
}
