import AtriumBrandConfig
import AtriumTenancy
import Foundation
import Testing

/// `tenant apply` refuses a compliance block with an unknown rule, an unknown parameter or a
/// threshold outside 0–1, naming the field, and the stored brand does not change.
@Suite("AML settings on tenant apply")
struct AMLConfigApplyTests {
    @Test("bad compliance settings are refused naming the field; the brand keeps its settings", arguments: [
        (TenantConfig.Compliance(amlRules: ["smurfing": .init(enabled: true)]), "compliance.aml_rules.smurfing"),
        (TenantConfig.Compliance(amlRules: ["structuring": .init(params: ["min_counts": 4])]), "compliance.aml_rules.structuring.params.min_counts"),
        (TenantConfig.Compliance(amlRules: ["structuring": .init(params: ["margin_percent": 80])]), "compliance.aml_rules.structuring.params.margin_percent"),
        (TenantConfig.Compliance(screeningThreshold: 1.5), "compliance.screening_threshold"),
    ])
    func refused(compliance: TenantConfig.Compliance, path: String) async throws {
        let f = try await AMLFixture.shared.value
        let before = try await f.s.registry.tenant(slug: "aurora")?.config?.compliance
        var config = try f.brand
        config.compliance = compliance
        do {
            _ = try await f.s.provisioning.apply(config, actor: "test")
            Issue.record("apply accepted \(path)")
        } catch ProvisioningError.invalidConfig(let error) {
            #expect(error.problems.map(\.path) == [path])
        }
        #expect(try await f.s.registry.tenant(slug: "aurora")?.config?.compliance == before)
    }
}
