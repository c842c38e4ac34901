import Foundation

/// One parameter of an AML rule: its name in `compliance.aml_rules.<id>.params`, default and allowed range.
public struct AMLParamSpec: Sendable, Equatable {
    public let name: String
    public let defaultValue: Int64
    public let range: ClosedRange<Int64>
    /// What the number means (unit included), shown in validation errors and the docs.
    public let meaning: String
}

/// One built-in AML rule as the brand file sees it: id, default switch and parameters.
public struct AMLRuleSpec: Sendable, Equatable {
    public let id: String
    public let enabledByDefault: Bool
    public let params: [AMLParamSpec]

    /// The parameter named `name`, if the rule has one.
    public func param(_ name: String) -> AMLParamSpec? { params.first { $0.name == name } }
}

/// The resolved settings of one rule for one brand: the switch and every parameter with defaults filled in.
public struct AMLRuleSettings: Sendable, Equatable {
    public let enabled: Bool
    public let params: [String: Int64]

    public init(enabled: Bool, params: [String: Int64]) {
        self.enabled = enabled
        self.params = params
    }

    /// The value of `name`; rules only ask for the names their spec declares, so 0 is never used.
    public subscript(_ name: String) -> Int64 { params[name] ?? 0 }
}

/// The built-in AML rules and their documented defaults (docs/COMPLIANCE.md lists the same table).
/// The catalog lives with the brand configuration so `tenant apply` can refuse unknown ids and params.
public enum AMLRuleCatalog {
    static let maxAmount: Int64 = 1_000_000_000_000

    /// Every rule, in the order the docs list them.
    public static let all: [AMLRuleSpec] = [
        AMLRuleSpec(id: "deposit_withdrawal_no_trading", enabledByDefault: true, params: [
            .init(name: "window_hours", defaultValue: 168, range: 1...8_760, meaning: "hours between the deposit and the withdrawal"),
            .init(name: "max_lots_hundredths", defaultValue: 100, range: 0...1_000_000, meaning: "lots traded in between, in hundredths of a lot"),
            .init(name: "min_amount_minor", defaultValue: 100_000, range: 0...maxAmount, meaning: "smallest withdrawal considered, minor units"),
        ]),
        AMLRuleSpec(id: "structuring", enabledByDefault: true, params: [
            .init(name: "threshold_minor", defaultValue: 1_000_000, range: 1...maxAmount, meaning: "the reporting threshold, minor units"),
            .init(name: "margin_percent", defaultValue: 10, range: 1...50, meaning: "how far under the threshold counts as just under, percent"),
            .init(name: "min_count", defaultValue: 3, range: 2...100, meaning: "deposits just under the threshold needed to fire"),
            .init(name: "window_hours", defaultValue: 72, range: 1...8_760, meaning: "window the deposits fall in, hours"),
        ]),
        AMLRuleSpec(id: "method_switching", enabledByDefault: true, params: [
            .init(name: "window_days", defaultValue: 90, range: 1...3_650, meaning: "deposits looked at before the withdrawal, days"),
            .init(name: "min_amount_minor", defaultValue: 0, range: 0...maxAmount, meaning: "smallest withdrawal considered, minor units"),
        ]),
        AMLRuleSpec(id: "third_party_payer", enabledByDefault: true, params: [
            .init(name: "min_amount_minor", defaultValue: 0, range: 0...maxAmount, meaning: "smallest deposit considered, minor units"),
        ]),
        AMLRuleSpec(id: "shared_ip", enabledByDefault: true, params: [
            .init(name: "min_accounts", defaultValue: 3, range: 2...1_000, meaning: "client accounts seen on one IP address or device to fire"),
            .init(name: "window_days", defaultValue: 30, range: 1...3_650, meaning: "sessions looked at, days"),
        ]),
        AMLRuleSpec(id: "high_risk_deposit", enabledByDefault: true, params: [
            .init(name: "min_amount_minor", defaultValue: 500_000, range: 0...maxAmount, meaning: "smallest deposit considered large, minor units"),
        ]),
        AMLRuleSpec(id: "dormant_reactivation", enabledByDefault: true, params: [
            .init(name: "dormant_days", defaultValue: 180, range: 1...3_650, meaning: "days without activity before the movement"),
            .init(name: "min_amount_minor", defaultValue: 500_000, range: 0...maxAmount, meaning: "smallest movement considered large, minor units"),
        ]),
        AMLRuleSpec(id: "referral_cluster", enabledByDefault: true, params: [
            .init(name: "min_clients", defaultValue: 3, range: 2...1_000, meaning: "clients of one IB sharing an IP, device or payer to fire"),
            .init(name: "window_days", defaultValue: 90, range: 1...3_650, meaning: "sessions and deposits looked at, days"),
        ]),
    ]

    /// The rule with `id`, if it is built in.
    public static func spec(_ id: String) -> AMLRuleSpec? { all.first { $0.id == id } }
}

extension TenantConfig {
    /// The brand's settings for one rule: the file's switch and params over the catalog defaults.
    public func amlSettings(_ spec: AMLRuleSpec) -> AMLRuleSettings {
        let own = complianceSettings.amlRules?[spec.id]
        var params: [String: Int64] = [:]
        for p in spec.params { params[p.name] = own?.params?[p.name] ?? p.defaultValue }
        return AMLRuleSettings(enabled: own?.enabled ?? spec.enabledByDefault, params: params)
    }
}
