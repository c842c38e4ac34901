import AtriumBrandConfig
import AtriumHTTP
import Foundation
import HummingbirdTesting
import Testing

/// The compliance settings editor: threshold and AML rules without YAML, with the `tenant apply` rules.
@Suite("Compliance editor: threshold and AML rules save (versioned, audited); bad values name the field", .serialized, .timeLimit(.minutes(4)))
struct ComplianceEditorTests {
    static let shared = Task { try await EditorsFixture.make("editorscompliance") }

    /// A full form as the page posts it, with `changes` applied.
    static func form(_ changes: [String: String?] = [:]) -> [String: String] {
        var out: [String: String] = ["screening_threshold": "0.88"]
        for spec in AMLRuleCatalog.all {
            out["rule_\(spec.id)_present"] = "1"
            out["rule_\(spec.id)_enabled"] = "on"
            for p in spec.params { out["rule_\(spec.id)_\(p.name)"] = String(p.defaultValue) }
        }
        for (k, v) in changes { out[k] = v }
        return out
    }

    @Test("threshold 0.92, structuring off with min_count 5: saved as a compliance version; 1.5, a word and min_count 1 are refused naming the field")
    func saveAndRefuse() async throws {
        let f = try await Self.shared.value
        try await f.signedIn { web in
            let page = try await web.get("/admin/settings/compliance")
            #expect(page.status == .ok)
            #expect(page.body.contains("id=\"rule-structuring\""))
            #expect(page.body.contains("value=\"0.88\""))

            try await BrandSettingsEditorTests.expectSaved(
                f, web, "/admin/settings/compliance",
                Self.form(["screening_threshold": "0.92", "rule_structuring_enabled": nil, "rule_structuring_min_count": "5"]),
                section: "compliance", auditBefore: "\"branding\"", auditAfter: "\"screening_threshold\": 0.92")
            let config = try await f.config()
            #expect(config.complianceSettings.resolvedScreeningThreshold == 0.92)
            let structuring = try #require(AMLRuleCatalog.spec("structuring"))
            #expect(config.amlSettings(structuring).enabled == false)
            #expect(config.amlSettings(structuring).params["min_count"] == 5)
            let shared = try #require(AMLRuleCatalog.spec("shared_ip"))
            #expect(config.amlSettings(shared).enabled == true)

            try await BrandSettingsEditorTests.expectRefused(f, web, "/admin/settings/compliance", Self.form(["screening_threshold": "1.5"]),
                                                            field: "compliance.screening_threshold")
            try await BrandSettingsEditorTests.expectRefused(f, web, "/admin/settings/compliance", Self.form(["screening_threshold": "high"]),
                                                            field: "compliance.screening_threshold")
            try await BrandSettingsEditorTests.expectRefused(f, web, "/admin/settings/compliance", Self.form(["rule_structuring_min_count": "1"]),
                                                            field: "compliance.aml_rules.structuring.params.min_count")
            try await BrandSettingsEditorTests.expectRefused(f, web, "/admin/settings/compliance", Self.form(["rule_shared_ip_window_days": "ten"]),
                                                            field: "compliance.aml_rules.shared_ip.params.window_days")
            #expect(try await f.config().complianceSettings.resolvedScreeningThreshold == 0.92)
        }
    }

    @Test("without brand.manage the editor is 403")
    func permission() async throws {
        let f = try await Self.shared.value
        try await f.signedIn(.compliance) { web in
            let page = try await web.get("/admin/settings/compliance")
            #expect(page.status == .forbidden)
        }
    }
}
