import AtriumBrandConfig
import AtriumCore
import AtriumTenancy
import Testing

@Suite("Brand YAML validation")
struct ConfigValidationTests {
    static let valid = """
    slug: demo
    name: Demo Markets
    domains: [demo.example.com]
    branding: { primary_color: "#112233", accent_color: "#445566", legal_footer: "Demo Ltd" }
    locales: { default: en, available: [en, es] }
    admin: { email: admin@demo.test }
    """

    @Test("a valid file parses")
    func valid() throws {
        let c = try TenantConfig.parse(yaml: Self.valid, file: "demo.yaml")
        #expect(c.slug.value == "demo")
        #expect(c.locales.available == ["en", "es"])
    }

    @Test("errors name the file, the field path and what was expected", arguments: [
        ("primary_color: \"#112233\"", "primary_color: blue", "branding.primary_color"),
        ("slug: demo", "slug: Demo-1", "slug"),
        ("domains: [demo.example.com]", "domains: [\"http://x.com\"]", "domains[0]"),
        ("default: en", "default: fr", "locales.default"),
        ("admin: { email: admin@demo.test }", "admin: { email: nope }", "admin.email"),
        ("name: Demo Markets\n", "", "name"),
    ])
    func errorsNameTheField(original: String, replacement: String, path: String) throws {
        let yaml = Self.valid.replacingOccurrences(of: original, with: replacement)
        let error = #expect(throws: ConfigValidationError.self) { try TenantConfig.parse(yaml: yaml, file: "tenants/demo.yaml") }
        #expect(error?.file == "tenants/demo.yaml")
        #expect(error?.problems.contains { $0.path == path } == true, "got \(String(describing: error))")
        #expect(error?.description.hasPrefix("tenants/demo.yaml: ") == true)
    }

    @Test("literal secrets are rejected; env references are accepted")
    func secrets() throws {
        let literal = Self.valid + "\npsps:\n  - { id: c, type: stripe, currencies: [USD], webhook_secret: whsec_live_123 }\n"
        let error = #expect(throws: ConfigValidationError.self) { try TenantConfig.parse(yaml: literal, file: "x.yaml") }
        #expect(error?.problems.first?.path == "psps[0].webhook_secret")
        #expect(error?.problems.first?.expected.contains("env:NAME") == true)
        let reference = Self.valid + "\npsps:\n  - { id: c, type: stripe, currencies: [USD], webhook_secret: env:STRIPE_SECRET }\n"
        #expect(try TenantConfig.parse(yaml: reference, file: "x.yaml").psps?.first?.webhookSecret == "env:STRIPE_SECRET")
    }

    @Test("broken YAML is reported as such")
    func brokenYAML() {
        let error = #expect(throws: ConfigValidationError.self) { try TenantConfig.parse(yaml: "slug: [unclosed", file: "bad.yaml") }
        #expect(error?.problems.first?.path == "(document)")
    }

    @Test("slugs", arguments: [("aurora", true), ("a1", true), ("ops", false), ("A", false), ("has-dash", false), ("x", false), (String(repeating: "a", count: 31), false)])
    func slugs(raw: String, ok: Bool) {
        #expect((Slug(raw) != nil) == ok)
    }
}
