import AtriumCore

/// Why a staff, role or second-factor change was refused: the form field it concerns, a locale
/// key for the reason, and an optional detail (such as who holds a role). Nothing was written.
public struct StaffAdminError: UserFacingError, Equatable {
    /// Named reasons, each a locale key in `templates/locales/<code>/staff.yaml`.
    public enum Reason: String, Sendable {
        case required = "staff_error_required"
        case tooLong = "staff_error_too_long"
        case invalidEmail = "staff_error_invalid_email"
        case emailTaken = "staff_error_email_taken"
        case noRoles = "staff_error_no_roles"
        case unknownRole = "staff_error_unknown_role"
        case unknownPermission = "staff_error_unknown_permission"
        case noPermissions = "staff_error_no_permissions"
        case notFound = "staff_error_not_found"
        case selfDeactivation = "staff_error_self_deactivation"
        case lastSuperAdmin = "staff_error_last_super_admin"
        case nameTaken = "staff_error_role_name_taken"
        case builtinReadOnly = "staff_error_builtin_read_only"
        case roleInUse = "staff_error_role_in_use"
        case sessionNotFound = "staff_error_session_not_found"
        case beyondOwnPermissions = "staff_error_beyond_own_permissions"
    }

    /// The form field the problem is about (`email`, `roles`, `permissions`, `name`, `role`, `status`…).
    public let field: String
    public let reason: Reason
    /// Extra words for the message, such as the emails of a role's holders.
    public let detail: String
    public let status: Int

    public init(field: String, _ reason: Reason, detail: String = "", status: Int? = nil) {
        self.field = field
        self.reason = reason
        self.detail = detail
        self.status = status ?? Self.defaultStatus(reason)
    }

    public var publicMessage: String { reason.rawValue }

    static func defaultStatus(_ reason: Reason) -> Int {
        switch reason {
        case .required, .tooLong, .invalidEmail, .noRoles, .unknownRole, .unknownPermission, .noPermissions: 400
        case .notFound, .sessionNotFound: 404
        case .builtinReadOnly, .beyondOwnPermissions: 403
        case .emailTaken, .selfDeactivation, .lastSuperAdmin, .nameTaken, .roleInUse: 409
        }
    }

    /// A trimmed text field of at most `max` characters; empty is refused when `required`.
    static func text(_ value: String, field: String, max: Int, required: Bool = true) throws -> String {
        let v = value.trimmingCharacters(in: .whitespacesAndNewlines)
        if required, v.isEmpty { throw StaffAdminError(field: field, .required) }
        if v.count > max { throw StaffAdminError(field: field, .tooLong, detail: "\(max)") }
        return v
    }
}
