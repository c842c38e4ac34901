import AtriumCore
import AtriumHTTP
import AtriumWebhooks
import Testing

/// `ATRIUM_WEBHOOKS_ALLOW_PRIVATE` is a development switch: production refuses to start with it,
/// and the address policy ignores it there anyway.
@Suite("Webhook development setting")
struct WebhookSettingTests {
    @Test("production names ATRIUM_WEBHOOKS_ALLOW_PRIVATE among its problems; the policy there still refuses private addresses and http")
    func production() throws {
        let config = try AppConfig.fromEnvironment(["ATRIUM_ENV": "production", "ATRIUM_WEBHOOKS_ALLOW_PRIVATE": "1"])
        #expect(config.webhooksAllowPrivate)
        #expect(ProductionChecks.settings(config).contains { $0.hasPrefix("ATRIUM_WEBHOOKS_ALLOW_PRIVATE: on") })
        let policy = WebhookAddressPolicy(config: config)
        #expect(policy.allowPrivate == false)
        #expect(policy.requireHTTPS)
        #expect(throws: InputError(field: "url", reason: "the URL must use https", status: 422)) { _ = try policy.checkForm("http://example.com/hook") }
    }

    @Test("development allows private addresses only with the switch; a bad value names the variable")
    func development() throws {
        #expect(WebhookAddressPolicy(config: try AppConfig.fromEnvironment(["ATRIUM_ENV": "development"])).allowPrivate == false)
        let on = try AppConfig.fromEnvironment(["ATRIUM_ENV": "development", "ATRIUM_WEBHOOKS_ALLOW_PRIVATE": "1"])
        #expect(WebhookAddressPolicy(config: on).allowPrivate)
        #expect(ProductionChecks.problems(config: on).isEmpty)
        #expect(throws: ConfigError.invalid(key: "ATRIUM_WEBHOOKS_ALLOW_PRIVATE", expected: "true or false", got: "maybe")) {
            _ = try AppConfig.fromEnvironment(["ATRIUM_WEBHOOKS_ALLOW_PRIVATE": "maybe"])
        }
    }
}
