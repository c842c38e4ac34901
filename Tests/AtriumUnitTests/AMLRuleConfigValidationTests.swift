import AtriumBrandConfig
import AtriumCompliance
import Foundation
import Testing

@Suite("Brand YAML compliance block: AML rule ids, params, ranges and the screening threshold")
struct AMLRuleConfigValidationTests {
    static let valid = """
    slug: demo
    name: Demo Markets
    domains: [demo.example.com]
    branding: { primary_color: "#112233", accent_color: "#445566", legal_footer: "Demo Ltd" }
    locales: { default: en, available: [en, es] }
    admin: { email: admin@demo.test }
    compliance:
      screening_threshold: 0.9
      aml_rules:
        structuring: { enabled: true, params: { threshold_minor: 1500000, min_count: 4 } }
        shared_ip: { enabled: false }
    """

    @Test("a valid block parses and resolves params over the documented defaults")
    func valid() throws {
        let c = try TenantConfig.parse(yaml: Self.valid, file: "demo.yaml")
        let structuring = try #require(AMLRuleCatalog.spec("structuring"))
        #expect(c.amlSettings(structuring) == AMLRuleSettings(enabled: true, params: [
            "threshold_minor": 1_500_000, "min_count": 4, "margin_percent": 10, "window_hours": 72]))
        #expect(c.amlSettings(try #require(AMLRuleCatalog.spec("shared_ip"))).enabled == false)
        let dormant = try #require(AMLRuleCatalog.spec("dormant_reactivation"))
        #expect(c.amlSettings(dormant) == AMLRuleSettings(enabled: true, params: ["dormant_days": 180, "min_amount_minor": 500_000]))
        #expect(c.complianceSettings.resolvedScreeningThreshold == 0.9)
    }

    @Test("each bad field is named", arguments: [
        ("screening_threshold: 0.9", "screening_threshold: 1.2", "compliance.screening_threshold"),
        ("screening_threshold: 0.9", "screening_threshold: -0.1", "compliance.screening_threshold"),
        ("shared_ip: { enabled: false }", "smurfing: { enabled: false }", "compliance.aml_rules.smurfing"),
        ("min_count: 4", "min_counts: 4", "compliance.aml_rules.structuring.params.min_counts"),
        ("min_count: 4", "min_count: 1", "compliance.aml_rules.structuring.params.min_count"),
        ("threshold_minor: 1500000", "threshold_minor: 0", "compliance.aml_rules.structuring.params.threshold_minor"),
    ])
    func namesTheField(original: String, replacement: String, path: String) throws {
        let yaml = Self.valid.replacingOccurrences(of: original, with: replacement)
        let error = #expect(throws: ConfigValidationError.self) { try TenantConfig.parse(yaml: yaml, file: "tenants/demo.yaml") }
        #expect(error?.problems.map(\.path) == [path], "got \(String(describing: error))")
    }

    @Test("every built-in rule has a catalog entry, and every default is inside its range")
    func catalogMatchesRules() {
        #expect(AMLRules.builtIn.map(\.id) == AMLRuleCatalog.all.map(\.id))
        #expect(AMLRuleCatalog.all.count == 8)
        for spec in AMLRuleCatalog.all {
            for p in spec.params { #expect(p.range.contains(p.defaultValue), "\(spec.id).\(p.name)") }
        }
    }
}
