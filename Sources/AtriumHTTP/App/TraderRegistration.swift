import AtriumBrandConfig
import AtriumCore
import AtriumIdentity
import AtriumKYC
import AtriumPartners
import AtriumStorage
import Foundation

/// A trader's registration, shared by the Trader's Room form and the brand API (`POST /clients`):
/// the brand's rules for the fields and what happens in the transaction that makes the account
/// (the user row, audit, referral attribution, sanctions screening), so both paths run the same checks.
struct TraderRegistration: Sendable {
    /// One rule a registration broke: the field and what is wrong with it.
    enum Failure: Equatable, Sendable {
        case invalidEmail, invalidCountry, blockedCountry, phone, taxIDRequired, taxIDTooLong

        /// The registration field it names.
        var field: String {
            switch self {
            case .invalidEmail: "email"
            case .invalidCountry, .blockedCountry: "country"
            case .phone: "phone"
            case .taxIDRequired, .taxIDTooLong: "tax_id"
            }
        }

        /// A plain sentence for the API.
        var reason: String {
            switch self {
            case .invalidEmail: "is not a valid email address"
            case .invalidCountry: "is not an ISO 3166-1 alpha-2 country this brand knows"
            case .blockedCountry: "this brand does not accept clients from this country"
            case .phone: "must be in international form, e.g. +441234567890"
            case .taxIDRequired: "is required for clients of this country"
            case .taxIDTooLong: "must be at most 32 characters"
            }
        }
    }

    let name: String
    let email: String
    let country: String
    let phone: String
    let taxID: String

    /// Normalises the fields (email lower case, phone without spaces or dashes, tax id trimmed).
    init(name: String, email: String, country: String, phone: String, taxID: String) {
        self.name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        self.email = email.trimmingCharacters(in: .whitespaces).lowercased()
        self.country = country
        self.phone = phone.filter { !$0.isWhitespace && $0 != "-" }
        self.taxID = taxID.trimmingCharacters(in: .whitespaces)
    }

    /// Every brand rule the fields break, in form order (empty when the registration may go ahead).
    func failures(brand: TenantConfig) -> [Failure] {
        var failures: [Failure] = []
        if !TenantConfig.isValidEmail(email) { failures.append(.invalidEmail) }
        if Countries.all[country] == nil { failures.append(.invalidCountry) }
        else if (brand.kyc?.blockedCountries ?? []).contains(country) { failures.append(.blockedCountry) }
        // Fields the brand's rules require for this country.
        let needed = Set(KYCEngine.jurisdiction(for: country, in: brand.kyc).registrationFields ?? [])
        if needed.contains("phone") || !phone.isEmpty, phone.range(of: "^\\+[0-9]{6,15}$", options: .regularExpression) == nil {
            failures.append(.phone)
        }
        if needed.contains("tax_id"), taxID.isEmpty { failures.append(.taxIDRequired) }
        if taxID.count > 32 { failures.append(.taxIDTooLong) }
        return failures
    }

    /// Creates the trader inside `tx`: nil when the address is taken. Writes the audit entry, the
    /// extra fields, the referral attribution (`referral` may be nil) and runs the registration screening.
    func create(services: AppServices, brand: TenantConfig, passwordHash: String?, actor: (UUID) -> String, referral: String?,
                userAgent: String, locale: String?, requestCountry: String?, requestID: String, in tx: TenantTransaction) async throws -> UUID? {
        guard let id = try await Users.create(audience: .trader, email: email, name: name, country: country, passwordHash: passwordHash, in: tx) else {
            return nil
        }
        try await AuditLog.append(AuditEntry(actor: actor(id), action: "trader.registered", subject: email,
                                             after: try CanonicalJSON.object(["country": country, "referral": referral ?? ""]), requestID: requestID), in: tx)
        try await tx.query("""
            UPDATE users SET registration_user_agent = \(String(userAgent.prefix(400))), referral_code = \(referral),
                   phone = \(phone), tax_id = \(taxID), preferred_locale = \(locale), registration_country = \(requestCountry)
            WHERE id = \(id)
            """)
        // The first valid code wins: the attribution is written here, once, with the account.
        try await Attribution.recordRegistration(client: id, code: referral, in: tx)
        try await services.screen(client: id, brand: brand, trigger: .registration, in: tx)
        return id
    }
}
