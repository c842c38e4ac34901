import AtriumBrandConfig
import AtriumHTTP
import Testing

/// `security.staff_two_factor` takes `required` (the default) or `optional`; anything else is
/// refused by name, and production refuses `optional` for every brand, stored or on file.
@Suite("Staff two-factor setting")
struct StaffTwoFactorConfigTests {
    static func yaml(_ security: String) -> String {
        """
        slug: quiet
        name: Quiet Markets
        domains: [quiet.example.com]
        branding: { primary_color: "#0b5fff", accent_color: "#ffb400", legal_footer: "Quiet Markets Ltd." }
        locales: { default: en, available: [en] }
        admin: { email: admin@quiet.test }
        \(security)
        """
    }

    @Test("absent means required; required and optional parse; another value is refused naming the field")
    func values() throws {
        #expect(try TenantConfig.parse(yaml: Self.yaml(""), file: "q.yaml").securitySettings.requiresStaffTwoFactor)
        #expect(try TenantConfig.parse(yaml: Self.yaml("security: { staff_two_factor: required }"), file: "q.yaml").securitySettings.requiresStaffTwoFactor)
        #expect(try !TenantConfig.parse(yaml: Self.yaml("security: { staff_two_factor: optional }"), file: "q.yaml").securitySettings.requiresStaffTwoFactor)
        #expect(throws: ConfigValidationError(file: "q.yaml", problems: [.init(path: "security.staff_two_factor", expected: "required or optional, got \"sometimes\"")])) {
            try TenantConfig.parse(yaml: Self.yaml("security: { staff_two_factor: sometimes }"), file: "q.yaml")
        }
    }

    @Test("production checks name the brand and the field for optional, and nothing for required")
    func production() throws {
        let optional = try TenantConfig.parse(yaml: Self.yaml("security: { staff_two_factor: optional }"), file: "q.yaml")
        #expect(ProductionChecks.brand(optional, file: "stored brand quiet") == [
            "stored brand quiet: security.staff_two_factor: optional (brand quiet) lets staff sign in without a second factor; production needs required",
        ])
        let required = try TenantConfig.parse(yaml: Self.yaml("security: { staff_two_factor: required }"), file: "q.yaml")
        #expect(ProductionChecks.brand(required, file: "stored brand quiet") == [])
    }
}
