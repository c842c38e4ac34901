import AtriumBrandConfig
import AtriumCore
import Foundation

/// What the IB lifecycle refuses. Every case names the form field it is about, so the edge can
/// answer with a 4xx that says which field to fix; nothing has been written when one is thrown.
public enum PartnerError: Error, Equatable, Sendable, UserFacingError, CustomStringConvertible {
    /// Why a field was refused (each is a locale key `network_error_<rawValue>`).
    public enum Reason: String, Sendable, Equatable {
        case required, tooLong = "too_long", invalid, pendingApplication = "pending_application", alreadyPartner = "already_partner"
        case notFound = "not_found", notPending = "not_pending", cycle, ownAccount = "own_account", sameOwner = "same_owner"
        case sameParent = "same_parent", inPast = "in_past", taken, notActive = "not_active", notTrader = "not_trader"
    }

    case invalid(field: String, reason: Reason)

    /// The form field the error is about (`email`, `parent`, `effective_date`, …).
    public var field: String { if case .invalid(let field, _) = self { field } else { "" } }
    /// Why it was refused.
    public var reason: Reason { if case .invalid(_, let reason) = self { reason } else { .invalid } }

    public var status: Int {
        switch reason {
        case .notFound: 404
        case .pendingApplication, .alreadyPartner, .notPending, .taken: 409
        case .cycle, .ownAccount, .sameOwner, .sameParent, .inPast, .notActive, .notTrader: 422
        case .required, .tooLong, .invalid: 400
        }
    }

    /// `field: reason` with locale keys; the edge replaces both with the request's language.
    public var publicMessage: String { "\(field): network_error_\(reason.rawValue)" }
    public var description: String { "\(field): \(reason.rawValue)" }
}

/// Small checks shared by the lifecycle's inputs.
enum PartnerInput {
    /// A trimmed text of at most `max` characters; empty only when `required` is false.
    static func text(_ value: String, field: String, max: Int, required: Bool = true) throws -> String {
        let v = value.trimmingCharacters(in: .whitespacesAndNewlines)
        if required && v.isEmpty { throw PartnerError.invalid(field: field, reason: .required) }
        if v.count > max { throw PartnerError.invalid(field: field, reason: .tooLong) }
        return v
    }

    /// A lowercased, plausible email address of at most 254 characters.
    static func email(_ value: String, field: String = "email") throws -> String {
        let v = try text(value, field: field, max: 254).lowercased()
        guard TenantConfig.isValidEmail(v) else {
            throw PartnerError.invalid(field: field, reason: .invalid)
        }
        return v
    }

    /// A referral code as links store them.
    static func isCode(_ code: String) -> Bool {
        (1...32).contains(code.count) && code.range(of: "^[A-Za-z0-9_-]+$", options: .regularExpression) != nil
    }
}
