import AtriumBrandConfig
import AtriumCore
import AtriumPayments
import AtriumTrading
import Crypto
import Foundation
import Testing

/// The development-only pieces of brand configuration: which settings use a sandbox, how their
/// secrets resolve, and the sandbox PSP's keys (derived from the master key, defect 1).
@Suite("Sandbox settings")
struct SandboxSettingsTests {
    static let brand = ConfigValidationTests.valid + """

    psps:
      - { id: sandbox-card, type: sandbox, currencies: [USD] }
      - { id: crypto-usdt, type: crypto, endpoint: sandbox, currencies: [USD] }
      - { id: stripe-card, type: stripe, currencies: [USD], api_key: env:STRIPE_KEY, webhook_secret: env:STRIPE_SECRET }
    platforms:
      - { id: mt5-live, type: mt5, endpoint: sandbox, account_types: [{ id: std, group: "real\\\\std", currency: USD, leverages: [100] }] }
    """

    @Test("every sandbox setting is listed with its field and id; real providers are not")
    func sandboxUses() throws {
        let c = try TenantConfig.parse(yaml: Self.brand, file: "demo.yaml")
        #expect(c.sandboxUses.map(\.description) == [
            "psps[0].type: sandbox (sandbox-card)", "psps[1].endpoint: sandbox (crypto-usdt)", "platforms[0].endpoint: sandbox (mt5-live)",
        ])
    }

    @Test("one env: resolver: the variable's value, the sandbox fallback, or a problem naming field and variable")
    func secrets() {
        let secrets = BrandSecrets(environment: ["SET": "value", "EMPTY": ""])
        var problems: [String] = []
        #expect(secrets.resolve("env:SET", field: "api_key", sandboxFallback: nil, problems: &problems) == "value")
        #expect(secrets.resolve(nil, field: "api_key", sandboxFallback: "sandbox", problems: &problems) == "sandbox")
        #expect(secrets.resolve("env:EMPTY", field: "api_key", sandboxFallback: "sandbox", problems: &problems) == "sandbox")
        #expect(problems.isEmpty)
        #expect(secrets.resolve("env:EMPTY", field: "webhook_secret", sandboxFallback: nil, problems: &problems) == nil)
        #expect(problems == ["webhook_secret: environment variable EMPTY is not set"])
    }

    @Test("sandbox PSP keys come from the master key: another key, or the old constant, does not verify")
    func sandboxKeys() {
        let mine = SandboxKeys(key: SymmetricKey(size: .bits256))
        let other = SandboxKeys(key: SymmetricKey(size: .bits256))
        let key = mine.apiKey(slug: "aurora", pspID: "sandbox-card")
        #expect(key.hasPrefix("sk_sandbox_aurora_sandbox-card_"))
        #expect(mine.isIssued(apiKey: key))
        #expect(!other.isIssued(apiKey: key))
        #expect(!mine.isIssued(apiKey: "sk_sandbox_aurora_sandbox-card"))
        #expect(mine.webhookSecret(apiKey: key) != other.webhookSecret(apiKey: key))
        let constant = "whsec_" + HMAC<SHA256>.authenticationCode(for: Array(key.utf8), using: SymmetricKey(data: Array("atrium-sandbox-psp".utf8)))
            .map { String(format: "%02x", $0) }.joined()
        #expect(mine.webhookSecret(apiKey: key) != constant)
    }

    @Test("with the sandbox off (production) sandbox PSPs and connections are not configured and get no credentials")
    func sandboxOff() throws {
        let c = try TenantConfig.parse(yaml: Self.brand, file: "demo.yaml")
        let psps = PSPDirectory.resolve(c, environment: [:], sandbox: SandboxEndpoint("http://127.0.0.1:1/sandbox-psp", keys: nil))
        #expect(psps.map(\.isConfigured) == [false, false, false])
        #expect(psps[0].apiKey == nil && psps[0].webhookSecret == nil)
        #expect(psps[2].problems == ["api_key: environment variable STRIPE_KEY is not set", "webhook_secret: environment variable STRIPE_SECRET is not set"])
        let on = PSPDirectory.resolve(c, environment: [:], sandbox: SandboxEndpoint("http://127.0.0.1:1/sandbox-psp", keys: SandboxKeys(key: SymmetricKey(size: .bits256))))
        #expect(on.map(\.isConfigured) == [true, true, false])

        let off = PlatformDirectory(environment: [:], sandboxEnabled: false).connections(c)
        #expect(off[0].problems == ["endpoint: the sandbox trading server is used only in development (ATRIUM_ENV=development)"])
        #expect(off[0].managerLogin == nil && off[0].managerPassword == nil)
        let dev = PlatformDirectory(environment: [:], sandboxEnabled: true).connections(c)
        #expect(dev[0].problems.isEmpty && dev[0].managerLogin == SandboxPlatformKeys.managerLogin)
    }
}
