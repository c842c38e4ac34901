import AtriumCore
import AtriumCRM
import Foundation
import Hummingbird

/// Puts the request's language on a refused task, lead or assignment: the page gets the message
/// (`crm_field_<field>`: `crm_error_<reason>`), the field it names (for `data-field`) and the status.
enum CRMErrorText {
    /// The page values and status of `error`, or nil when it is not a refusal the user can read.
    static func view(_ error: any Error, _ t: [String: String]) -> (extra: [String: Any], status: HTTPResponse.Status)? {
        if let e = error as? CRMFieldError {
            let label = t["crm_field_\(e.field)"] ?? Forms.label(e.field, strings: t)
            let reason = t["crm_error_\(e.reason.rawValue)"] ?? e.reason.rawValue
            return (["error": "\(label): \(reason)", "errorField": e.field], HTTPResponse.Status(code: e.status))
        }
        if let e = error as? any UserFacingError {
            let field = (e as? InputError)?.field ?? ""
            return (["error": t[e.publicMessage] ?? e.publicMessage, "errorField": field], HTTPResponse.Status(code: e.status))
        }
        return nil
    }

}
