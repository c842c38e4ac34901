/// The emails a brand can override: the template file each renders, the locale key of its
/// default subject, and the variables it receives (an override may use only these).
enum EmailTemplateKind: String, CaseIterable, Sendable {
    case verifyEmail = "verify-email"
    case passwordReset = "password-reset"
    case adminInvitation = "admin-invitation"
    case partnerInvitation = "partner-invitation"

    /// The locale key of the default subject; `{{brand}}` in it stands for the brand's name.
    var subjectKey: String {
        switch self {
        case .verifyEmail: "email_verify_subject"
        case .passwordReset: "email_reset_subject"
        case .adminInvitation: "email_invitation_subject"
        case .partnerInvitation: "network_email_invitation_subject"
        }
    }

    /// The locale key of the template's name on the settings page.
    var labelKey: String { "emails_name_" + rawValue.replacingOccurrences(of: "-", with: "_") }

    /// The variables the template receives, besides the locale strings `t.<key>`.
    var variables: [String] { ["link", "email", "brand.name", "brand.supportEmail", "brand.legalFooter"] }

    /// The template file under `templates/default/`.
    var file: String { "email/" + rawValue }
}
