import AtriumBrandConfig
import Testing

/// `api.rate_limit_per_minute` defaults to 600 and takes 1 to 100000; anything else is refused
/// naming the field.
@Suite("API rate limit setting")
struct APIRateLimitConfigTests {
    static func yaml(_ api: String) -> String {
        """
        slug: quiet
        name: Quiet Markets
        domains: [quiet.example.com]
        branding: { primary_color: "#0b5fff", accent_color: "#ffb400", legal_footer: "Quiet Markets Ltd." }
        locales: { default: en, available: [en] }
        admin: { email: admin@quiet.test }
        \(api)
        """
    }

    @Test("absent means 600; 1 and 100000 parse; 0 and 100001 are refused naming api.rate_limit_per_minute")
    func values() throws {
        #expect(try TenantConfig.parse(yaml: Self.yaml(""), file: "q.yaml").apiSettings.resolvedRateLimitPerMinute == 600)
        #expect(try TenantConfig.parse(yaml: Self.yaml("api: { rate_limit_per_minute: 1 }"), file: "q.yaml").apiSettings.resolvedRateLimitPerMinute == 1)
        #expect(try TenantConfig.parse(yaml: Self.yaml("api: { rate_limit_per_minute: 100000 }"), file: "q.yaml").apiSettings.resolvedRateLimitPerMinute == 100_000)
        for bad in [0, 100_001, -5] {
            #expect(throws: ConfigValidationError(file: "q.yaml", problems: [
                .init(path: "api.rate_limit_per_minute", expected: "a whole number of requests per minute from 1 to 100000, got \(bad)"),
            ])) {
                try TenantConfig.parse(yaml: Self.yaml("api: { rate_limit_per_minute: \(bad) }"), file: "q.yaml")
            }
        }
    }
}
