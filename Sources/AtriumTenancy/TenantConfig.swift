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
    public var platforms: [PlatformConnection]?

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
        enum CodingKeys: String, CodingKey {
            case requiredDocuments = "required_documents", minimumAge = "minimum_age"
            case documentMaxAgeDays = "document_max_age_days", autoApprove = "auto_approve"
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
        enum CodingKeys: String, CodingKey {
            case id, type, currencies, countries, priority
            case minAmountMinor = "min_amount_minor", maxAmountMinor = "max_amount_minor"
            case webhookSecret = "webhook_secret", apiKey = "api_key"
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
        enum CodingKeys: String, CodingKey {
            case id, type, endpoint
            case managerLogin = "manager_login", managerPassword = "manager_password", apiKey = "api_key"
            case serverTimeOffsetMinutes = "server_time_offset_minutes", accountTypes = "account_types"
        }
    }

    public struct AccountType: Codable, Sendable, Equatable {
        public var id: String
        public var group: String
        public var currency: String
        public var leverages: [Int]
    }
}
