import AtriumCore

/// A refused task, lead or assignment input, naming the form field and why. The edge maps the
/// field to its label (`crm_field_<field>`) and the reason to `crm_error_<reason>` in the request's
/// language, keeping the status.
public struct CRMFieldError: Error, Equatable, Sendable, UserFacingError, CustomStringConvertible {
    /// Why a field was refused.
    public enum Reason: String, Sendable, Equatable {
        case required, tooLong = "too_long", invalid, notFound = "not_found", notStaff = "not_staff"
        case notAllowed = "not_allowed", notOpen = "not_open", funded, automatic
    }

    /// The form field the error is about (`title`, `due_at`, `assignee`, `stage`, `reason`, `agent`, `clients`).
    public let field: String
    /// Why it was refused.
    public let reason: Reason

    /// An error about `field`.
    public init(_ field: String, _ reason: Reason) {
        self.field = field
        self.reason = reason
    }

    public var status: Int {
        switch reason {
        case .notFound: 404
        case .notAllowed: 403
        case .notOpen, .funded: 409
        case .notStaff, .automatic: 422
        case .required, .tooLong, .invalid: 400
        }
    }

    public var publicMessage: String { "\(field): crm_error_\(reason.rawValue)" }
    public var description: String { "\(field): \(reason.rawValue)" }
}
