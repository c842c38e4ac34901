import AtriumBrandConfig
import AtriumStorage
import Foundation
import PostgresNIO

/// One fact an AML rule reports: a number (amounts in minor units), a text, or a list of texts.
public enum AMLFact: Codable, Sendable, Equatable {
    case int(Int64)
    case text(String)
    case list([String])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int64.self) { self = .int(i) } else if let s = try? c.decode(String.self) { self = .text(s) } else { self = .list(try c.decode([String].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let i): try c.encode(i)
        case .text(let s): try c.encode(s)
        case .list(let l): try c.encode(l)
        }
    }
}

/// What a rule found about one client: `key` tells firings apart (it goes into the alert's
/// fingerprint, so the same finding on a later pass is not a second alert); `facts` are shown to staff.
public struct AMLFinding: Sendable, Equatable {
    public let key: String
    public let facts: [String: AMLFact]

    public init(key: String, facts: [String: AMLFact]) {
        self.key = key
        self.facts = facts
    }
}

/// Who a rule looks at, when, and under which brand settings (high-risk countries).
public struct AMLSubject: Sendable {
    public let client: UUID
    public let now: Date
    public let brand: TenantConfig

    public init(client: UUID, now: Date, brand: TenantConfig) {
        self.client = client
        self.now = now
        self.brand = brand
    }
}

/// A monitoring rule: reads the client's payments, deals, sessions and documents, and returns findings.
/// Rules only read; the engine writes alerts. Parameters and defaults come from `AMLRuleCatalog`.
public protocol AMLRule: Sendable {
    /// The id used in `compliance.aml_rules` and on alerts.
    var id: String { get }
    /// Evaluates the rule for one client with the brand's resolved parameters.
    func evaluate(_ subject: AMLSubject, _ settings: AMLRuleSettings, in tx: TenantTransaction) async throws -> [AMLFinding]
}

extension AMLRule {
    /// The rule's catalog entry (ids are the catalog's, checked by the unit tests).
    public var spec: AMLRuleSpec? { AMLRuleCatalog.spec(id) }
}

/// The built-in rules.
public enum AMLRules {
    /// Every rule the engine runs, in catalog order.
    public static let builtIn: [any AMLRule] = [
        DepositWithdrawalNoTradingRule(), StructuringRule(), MethodSwitchingRule(), ThirdPartyPayerRule(),
        SharedIPRule(), HighRiskDepositRule(), DormantReactivationRule(), ReferralClusterRule(),
    ]
}

extension Date {
    /// This instant minus a number of hours (rule windows).
    func minus(hours: Int64) -> Date { addingTimeInterval(-Double(hours) * 3_600) }
}
