import AtriumBrandConfig
import AtriumCore
import AtriumPayments
import AtriumTenancy
import Crypto
import Foundation
import Testing

@Suite("Brand settings without a database: diff, four-eyes scope, sealing, export")
struct BrandSettingsUnitTests {
    static func aurora() throws -> TenantConfig {
        let path = RepositoryPaths.root + "/tenants/aurora.yaml"
        return try TenantConfig.parse(yaml: String(contentsOfFile: path, encoding: .utf8), file: path)
    }

    @Test("the diff names each leaf path with JSON values, and never a secret's value")
    func diffPaths() throws {
        let a = try Self.aurora()
        var b = a
        b.branding.primaryColor = "#000000"
        b.withdrawals?.autoApproveMaxMinor?["USD"] = 1
        b.psps?[0].apiKey = "env:NEW_KEY"
        let diff = try ConfigDiff.between(a, b)
        #expect(diff.changes == [
            .init(path: "branding.primary_color", old: "\"\(a.branding.primaryColor)\"", new: "\"#000000\"", isSecret: false),
            .init(path: "psps[0].api_key", old: nil, new: nil, isSecret: true, wasSet: false, isSet: true),
            .init(path: "withdrawals.auto_approve_max_minor.USD", old: "50000", new: "1", isSecret: false),
        ])
        #expect(try ConfigDiff.between(a, a).changes.isEmpty)
    }

    @Test("four-eyes guards PSP credentials and limits, withdrawal limits and its own switch, not branding")
    func fourEyesScope() throws {
        let a = try Self.aurora()
        func guarded(_ change: (inout TenantConfig) -> Void) throws -> Bool {
            var b = a
            change(&b)
            return try ConfigDiff.between(a, b).needsSecondApprover
        }
        #expect(try guarded { $0.psps?[0].webhookSecret = "env:X" })
        #expect(try guarded { $0.psps?[0].maxAmountMinor = 1 })
        #expect(try guarded { $0.withdrawals?.dualApprovalAboveMinor?["EUR"] = 1 })
        #expect(try guarded { $0.withdrawals?.maxPerDay = 5 })
        #expect(try guarded { $0.security = .init(fourEyes: false) })
        #expect(try !guarded { $0.branding.accentColor = "#000000" })
        #expect(try !guarded { $0.psps?[0].priority = 9 })
        #expect(try !guarded { $0.withdrawals?.kycMaxAgeDays = 30 })
    }

    @Test("a sealed value opens only for its brand and master key; BrandSecrets resolves it and never falls back")
    func sealing() throws {
        let vault = CredentialVault(master: SymmetricKey(size: .bits256))
        let sealed = try vault.seal("s3cret", slug: "aurora")
        #expect(sealed.hasPrefix("sealed:v1:") && !sealed.contains("s3cret"))
        #expect(vault.open(sealed, slug: "aurora") == "s3cret")
        #expect(vault.open(sealed, slug: "kite") == nil)
        #expect(CredentialVault(master: SymmetricKey(size: .bits256)).open(sealed, slug: "aurora") == nil)
        let secrets = BrandSecrets(environment: [:], vault: vault)
        var problems: [String] = []
        #expect(secrets.resolve(sealed, field: "api_key", sandboxFallback: "sandbox", problems: &problems, slug: "aurora") == "s3cret")
        #expect(secrets.resolve(sealed, field: "api_key", sandboxFallback: "sandbox", problems: &problems, slug: "kite") == nil)
        #expect(problems == ["api_key: the sealed credential cannot be opened with this brand's key"])
    }

    @Test("export turns sealed credentials into documented env names, lists them, and re-parses to the same file")
    func exportNames() throws {
        var config = try Self.aurora()
        let vault = CredentialVault(master: SymmetricKey(size: .bits256))
        config.psps?[0].apiKey = try vault.seal("k", slug: "aurora")
        let yaml = try ConfigExport.yaml(config)
        #expect(ConfigExport.variableName(slug: "aurora", id: "sandbox-card", field: "api_key") == "ATRIUM_AURORA_SANDBOX_CARD_API_KEY")
        #expect(yaml.contains("#   ATRIUM_AURORA_SANDBOX_CARD_API_KEY\n#   AURORA_SANDBOX_SECRET\n"))
        #expect(!yaml.contains("sealed:"))
        let reparsed = try TenantConfig.parse(yaml: yaml, file: "export.yaml")
        #expect(reparsed.psps?[0].apiKey == "env:ATRIUM_AURORA_SANDBOX_CARD_API_KEY")
        #expect(try ConfigExport.yaml(reparsed) == yaml)
    }
}
