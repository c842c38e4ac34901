import AtriumCore
import AtriumIdentity
import Foundation
import Hummingbird

/// View pieces shared by the staff, role and staff-security screens: refusals with the field they
/// name (`data-field` in the page), dates, and the role checkboxes.
enum StaffAdminView {
    /// The message, the field and the status of a refused form. A `StaffAdminError` names its field
    /// and reason; an `InputError` (a bad character) its field; anything else user-facing only a message.
    static func refusal(_ error: any UserFacingError, _ t: [String: String]) -> (extra: [String: Any], status: HTTPResponse.Status) {
        var field = ""
        var message = t[error.publicMessage] ?? error.publicMessage
        if let e = error as? StaffAdminError {
            field = e.field
            let reason = (t[e.reason.rawValue] ?? e.reason.rawValue).replacingOccurrences(of: "{{detail}}", with: e.detail)
            message = "\(t["staff_field_\(e.field)"] ?? e.field): \(reason)"
        } else if let e = error as? InputError {
            field = e.field
        }
        return (["error": message, "errorField": field], HTTPResponse.Status(code: error.status))
    }

    /// A date for a table cell (UTC, minutes), or the "never" word.
    static func date(_ date: Date?, _ t: [String: String]) -> String {
        guard let date else { return t["staff_never"] ?? "never" }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return f.string(from: date)
    }

    /// The roles chosen in a form: every `role_<uuid>` field that is on. A malformed id is an unknown role.
    static func chosenRoles(_ form: [String: String]) throws -> Set<UUID> {
        var out = Set<UUID>()
        for (key, value) in form where key.hasPrefix("role_") && value == "on" {
            guard let id = UUID(uuidString: String(key.dropFirst(5))) else { throw StaffAdminError(field: "roles", .unknownRole) }
            out.insert(id)
        }
        return out
    }

    /// Checkboxes for every role, ticked when in `chosen`.
    static func roleChoices(_ roles: [RoleInfo], chosen: Set<UUID>) -> [[String: Any]] {
        roles.map { ["id": $0.id.uuidString.lowercased(), "name": $0.name, "builtin": $0.builtin, "checked": chosen.contains($0.id)] }
    }

    /// The status word of an account in the page's language.
    static func status(_ status: String, _ t: [String: String]) -> String {
        t["staff_status_\(status)"] ?? status
    }
}
