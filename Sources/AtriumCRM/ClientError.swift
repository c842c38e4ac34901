import AtriumCore
import Foundation

/// Why a client list, page or note request was refused. `field` names the input at fault; the
/// Back Office shows the localized `clients_error_<field>` text and marks it with `data-field`.
public enum ClientError: Error, Equatable, UserFacingError {
    /// An input that is not one of the accepted values (bad cursor, date, country, status …).
    case invalid(field: String)
    /// The client does not exist in this brand or is outside the staff member's scope.
    case notFound

    /// The input at fault, if any.
    public var field: String? {
        if case .invalid(let field) = self { return field }
        return nil
    }

    public var status: Int {
        switch self {
        case .invalid: 400
        case .notFound: 404
        }
    }

    public var publicMessage: String {
        switch self {
        case .invalid(let field): "clients_error_\(field)"
        case .notFound: "error_client_not_found"
        }
    }
}
