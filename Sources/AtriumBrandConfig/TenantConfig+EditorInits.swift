import Foundation

// Values the Back Office settings editors need to build sections a brand file left out; the
// memberwise initializers are internal to this module.

extension TenantConfig.KYCRules {
    /// KYC rules with nothing set, as when the brand file has no `kyc:` section.
    public static var empty: TenantConfig.KYCRules {
        TenantConfig.KYCRules(blockedCountries: nil, highRiskCountries: nil, proofOfFundsThreshold: nil, jurisdictions: nil)
    }
}

extension TenantConfig.Money {
    /// An amount in minor units of `currency`.
    public static func minor(_ amountMinor: Int64, _ currency: String) -> TenantConfig.Money {
        TenantConfig.Money(amountMinor: amountMinor, currency: currency)
    }
}
