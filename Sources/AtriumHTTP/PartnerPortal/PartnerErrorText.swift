import AtriumCore
import AtriumPartners

/// Puts the request's language on a `PartnerError`: the field's label (`network_field_<field>`,
/// else the shared `field_<field>` label) and the reason (`network_error_<reason>`), keeping its
/// 4xx status. Any other error passes through.
enum PartnerErrorText {
    static func localized(_ error: any Error, _ t: [String: String]) -> any Error {
        guard let e = error as? PartnerError else { return error }
        let label = t["network_field_\(e.field)"] ?? Forms.label(e.field, strings: t)
        return InputError(field: label, reason: t["network_error_\(e.reason.rawValue)"] ?? e.reason.rawValue, status: e.status)
    }
}
