/// An error whose message may be shown to a user. Anything else is shown as a generic failure
/// with the request id, and its detail only goes to the log.
public protocol UserFacingError: Error {
    /// HTTP status to answer with.
    var status: Int { get }
    /// A locale key (e.g. `error_csrf`) or a plain sentence naming the field and the reason.
    var publicMessage: String { get }
}

/// A request the user can fix: names the field and what was expected.
public struct InputError: UserFacingError, Equatable, CustomStringConvertible {
    public var field: String
    public var reason: String
    public var status: Int

    public init(field: String, reason: String, status: Int = 400) {
        self.field = field
        self.reason = reason
        self.status = status
    }

    public var publicMessage: String { "\(field): \(reason)" }
    public var description: String { publicMessage }
}
