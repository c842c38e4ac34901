import AtriumCore
import Foundation

/// A broker brand's declarative definition (`tenants/<slug>.yaml`). Secrets are `env:NAME` references.
public struct TenantConfig: Codable, Sendable, Equatable {
    public var slug: Slug
    public var name: String
    public var domains: [String]
    public var branding: Branding
    public var locales: Locales
    public var admin: Admin
    public var kyc: KYCRules?
    public var psps: [PSPConfig]?
    public var withdrawals: WithdrawalPolicy?
    public var platforms: [PlatformConnection]?
    /// The IB programme (`partners:`); defaults apply when absent.
    public var partners: PartnerProgram?
    /// Staff sign-in and settings-change rules (`security:`); the safe defaults apply when absent.
    public var security: Security?
    /// Screening threshold and AML rule settings (`compliance:`); defaults apply when absent.
    public var compliance: Compliance?
    /// Public API settings (`api:`): the per-key rate limit; defaults apply when absent.
    public var api: APISettings?

    public struct Branding: Codable, Sendable, Equatable {
        public var primaryColor: String
        public var accentColor: String
        public var logo: String?
        public var legalFooter: String
        public var supportEmail: String?
        enum CodingKeys: String, CodingKey {
            case primaryColor = "primary_color", accentColor = "accent_color", logo
            case legalFooter = "legal_footer", supportEmail = "support_email"
        }
    }

    public struct Locales: Codable, Sendable, Equatable {
        public var `default`: String
        public var available: [String]
    }

    public struct Admin: Codable, Sendable, Equatable {
        public var email: String
    }

    public struct Money: Codable, Sendable, Equatable {
        public var amountMinor: Int64
        public var currency: String
        enum CodingKeys: String, CodingKey { case amountMinor = "amount_minor", currency }
    }

    public struct KYCRules: Codable, Sendable, Equatable {
        public var blockedCountries: [String]?
        public var highRiskCountries: [String]?
        public var proofOfFundsThreshold: Money?
        public var jurisdictions: [String: Jurisdiction]?
        enum CodingKeys: String, CodingKey {
            case blockedCountries = "blocked_countries", highRiskCountries = "high_risk_countries"
            case proofOfFundsThreshold = "proof_of_funds_threshold", jurisdictions
        }
    }

    public struct Jurisdiction: Codable, Sendable, Equatable {
        public var requiredDocuments: [String]
        public var minimumAge: Int
        public var documentMaxAgeDays: Int?
        public var autoApprove: Bool
        /// Extra registration fields this country requires: `phone`, `tax_id`.
        public var registrationFields: [String]?

        public init(requiredDocuments: [String], minimumAge: Int, documentMaxAgeDays: Int?, autoApprove: Bool, registrationFields: [String]? = nil) {
            self.registrationFields = registrationFields
            self.requiredDocuments = requiredDocuments
            self.minimumAge = minimumAge
            self.documentMaxAgeDays = documentMaxAgeDays
            self.autoApprove = autoApprove
        }
        enum CodingKeys: String, CodingKey {
            case requiredDocuments = "required_documents", minimumAge = "minimum_age"
            case documentMaxAgeDays = "document_max_age_days", autoApprove = "auto_approve", registrationFields = "registration_fields"
        }
    }

    public struct PSPConfig: Codable, Sendable, Equatable {
        public var id: String
        public var type: String
        public var currencies: [String]
        public var countries: [String]?
        public var minAmountMinor: Int64?
        public var maxAmountMinor: Int64?
        public var priority: Int?
        public var webhookSecret: String?
        public var apiKey: String?
        /// `sandbox` for the built-in sandbox PSP, or the provider's base URL.
        public var endpoint: String?
        /// Crypto: confirmations before a payment counts as received (default 2).
        public var confirmations: Int?
        /// Bank wire: the details shown to the client (label → value).
        public var bankDetails: [String: String]?
        /// Bank wire: receipts above this need a second Finance confirmation (maker–checker).
        public var dualConfirmAboveMinor: Int64?
        /// What the PSP charges the broker per settled deposit: basis points of the amount plus a
        /// fixed part in minor units. Booked as an expense, never taken from the client.
        public var feeBps: Int?
        public var feeFixedMinor: Int64?

        public init(id: String, type: String, currencies: [String], countries: [String]? = nil, minAmountMinor: Int64? = nil,
                    maxAmountMinor: Int64? = nil, priority: Int? = nil, webhookSecret: String? = nil, apiKey: String? = nil,
                    endpoint: String? = nil, confirmations: Int? = nil, bankDetails: [String: String]? = nil, dualConfirmAboveMinor: Int64? = nil) {
            self.id = id
            self.type = type
            self.currencies = currencies
            self.countries = countries
            self.minAmountMinor = minAmountMinor
            self.maxAmountMinor = maxAmountMinor
            self.priority = priority
            self.webhookSecret = webhookSecret
            self.apiKey = apiKey
            self.endpoint = endpoint
            self.confirmations = confirmations
            self.bankDetails = bankDetails
            self.dualConfirmAboveMinor = dualConfirmAboveMinor
        }
        enum CodingKeys: String, CodingKey {
            case id, type, currencies, countries, priority, endpoint, confirmations
            case minAmountMinor = "min_amount_minor", maxAmountMinor = "max_amount_minor"
            case webhookSecret = "webhook_secret", apiKey = "api_key"
            case bankDetails = "bank_details", dualConfirmAboveMinor = "dual_confirm_above_minor"
            case feeBps = "fee_bps", feeFixedMinor = "fee_fixed_minor"
        }
    }

    /// Withdrawal rules of a brand. Amounts are minor units of the withdrawal's currency.
    public struct WithdrawalPolicy: Codable, Sendable, Equatable {
        /// Withdrawals up to this amount may be approved without a person, per currency (ISO 4217
        /// code → minor units of that currency). A currency without an entry always goes to review.
        public var autoApproveMaxMinor: [String: Int64]?
        /// Above this amount two different Finance approvers are needed, per currency (code → minor
        /// units). A currency without an entry always needs two.
        public var dualApprovalAboveMinor: [String: Int64]?
        /// KYC approved longer ago than this needs a refresh: routed to review.
        public var kycMaxAgeDays: Int?
        /// A device (browser) first seen more recently than this counts as a device change.
        public var knownDeviceMinAgeHours: Int?
        /// An amount above this multiple of the client's largest previous withdrawal is unusual.
        public var unusualAmountMultiplier: Int?
        /// More withdrawal requests than this in 24 hours is unusual.
        public var maxPerDay: Int?

        public init(autoApproveMaxMinor: [String: Int64]? = nil, dualApprovalAboveMinor: [String: Int64]? = nil, kycMaxAgeDays: Int? = nil,
                    knownDeviceMinAgeHours: Int? = nil, unusualAmountMultiplier: Int? = nil, maxPerDay: Int? = nil) {
            self.autoApproveMaxMinor = autoApproveMaxMinor
            self.dualApprovalAboveMinor = dualApprovalAboveMinor
            self.kycMaxAgeDays = kycMaxAgeDays
            self.knownDeviceMinAgeHours = knownDeviceMinAgeHours
            self.unusualAmountMultiplier = unusualAmountMultiplier
            self.maxPerDay = maxPerDay
        }
        enum CodingKeys: String, CodingKey {
            case autoApproveMaxMinor = "auto_approve_max_minor", dualApprovalAboveMinor = "dual_approval_above_minor"
            case kycMaxAgeDays = "kyc_max_age_days", knownDeviceMinAgeHours = "known_device_min_age_hours"
            case unusualAmountMultiplier = "unusual_amount_multiplier", maxPerDay = "max_per_day"
        }
    }

    public struct PlatformConnection: Codable, Sendable, Equatable {
        public var id: String
        public var type: String
        public var endpoint: String
        public var managerLogin: String?
        public var managerPassword: String?
        public var apiKey: String?
        public var serverTimeOffsetMinutes: Int?
        public var accountTypes: [AccountType]?
        /// Symbol groups for IB plans (`forex`, `metals`, `indices`, `crypto`, …): group name to
        /// symbol patterns, exact (`XAUUSD`) or with a trailing `*` (`EUR*`).
        public var symbolGroups: [String: [String]]?
        enum CodingKeys: String, CodingKey {
            case id, type, endpoint
            case managerLogin = "manager_login", managerPassword = "manager_password", apiKey = "api_key"
            case serverTimeOffsetMinutes = "server_time_offset_minutes", accountTypes = "account_types"
            case symbolGroups = "symbol_groups"
        }
    }

    public struct AccountType: Codable, Sendable, Equatable {
        public var id: String
        public var group: String
        public var currency: String
        public var leverages: [Int]
        /// Group for demo accounts of this type; default `demo\\<group>`.
        public var demoGroup: String?
        /// Leverage changes up to this value are applied at once; higher ones go to the Back
        /// Office. Default: the type's highest leverage (every listed value is automatic).
        public var leverageAutoMax: Int?
        /// Virtual money a new demo account starts with, in minor units. Default 10,000.00.
        public var demoDepositMinor: Int64?
        enum CodingKeys: String, CodingKey {
            case id, group, currency, leverages
            case demoGroup = "demo_group", leverageAutoMax = "leverage_auto_max", demoDepositMinor = "demo_deposit_minor"
        }

        public var resolvedDemoGroup: String { demoGroup ?? "demo\\" + group }
        public var autoLeverageLimit: Int { leverageAutoMax ?? leverages.max() ?? 0 }
    }
}
