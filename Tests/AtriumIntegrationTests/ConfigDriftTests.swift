import AtriumBrandConfig
import AtriumHTTP
import AtriumTenancy
import Foundation
import Testing

@Suite("tenant apply drift and tenant export round trip (the atrium binary)", .serialized, .timeLimit(.minutes(3)))
struct ConfigDriftTests {
    static let fixture = Task { try await BrandSettingsFixture.make("settingsdrift") }

    /// Runs `atrium <arguments>` against the fixture's database; returns the exit status and output.
    static func atrium(_ f: BrandSettingsFixture, _ arguments: [String], log: String) async throws -> (status: Int32?, output: String) {
        let home = try #require(f.s.config.environment["ATRIUM_HOME"])
        let run = try AtriumRun(arguments, environment: f.s.config.environment, log: "\(home)/\(log).log")
        let status = await run.exitStatus(within: 60)
        await run.stop()
        return (status, run.output)
    }

    @Test("after a Back Office edit, apply exits 1 naming the differing fields; --force overwrites; export → apply → export is byte-equal")
    func driftAndRoundTrip() async throws {
        // setup: a Back Office edit (a sealed credential and a limit) after the brand file
        let f = try await Self.fixture.value
        let home = try #require(f.s.config.environment["ATRIUM_HOME"])
        let actor = try await f.actor("admin@aurora.test")
        let brandFile = TestCluster.repoRoot + "/tenants/aurora.yaml"
        let clean = try await Self.atrium(f, ["tenant", "apply", brandFile], log: "apply-clean")
        #expect(clean.status == 0, "\(clean.output)")
        _ = try await f.s.brandSettings.setCredential(slug: "aurora", key: "psp:sandbox-card:api_key", value: "sk-drift-1", actor: actor)
        _ = try await f.s.brandSettings.update(slug: "aurora", section: "psps", actor: actor) { $0.psps?[0].maxAmountMinor = 3_000_000 }
        let edited = try await f.latestVersion()
        // MUT: apply the brand file without --force
        let refused = try await Self.atrium(f, ["tenant", "apply", brandFile], log: "apply-drift")
        // validate
        #expect(refused.status == 1)
        #expect(refused.output.contains("\(brandFile): aurora: the brand was changed in the Back Office (latest version, origin back_office)"))
        #expect(refused.output.contains("psps[0].api_key, psps[0].max_amount_minor"))
        #expect(refused.output.contains("--force"))
        #expect(!refused.output.contains("sk-drift-1"))
        #expect(try await f.latestVersion() == edited)

        // Export keeps the Back Office state; the sealed key becomes a named environment variable.
        let first = "\(home)/aurora-export-1.yaml", second = "\(home)/aurora-export-2.yaml"
        let export1 = try await Self.atrium(f, ["tenant", "export", "aurora", "--out", first], log: "export-1")
        #expect(export1.status == 0, "\(export1.output)")
        let text = try String(contentsOfFile: first, encoding: .utf8)
        #expect(text.contains("#   ATRIUM_AURORA_SANDBOX_CARD_API_KEY\n"))
        #expect(text.contains("api_key: env:ATRIUM_AURORA_SANDBOX_CARD_API_KEY"))
        #expect(text.contains("max_amount_minor: 3000000"))
        #expect(!text.contains("sealed:") && !text.contains("sk-drift-1"))
        // The export differs from the Back Office state only in the reference, so it drifts too.
        let again = try await Self.atrium(f, ["tenant", "apply", first], log: "apply-export")
        #expect(again.status == 1)
        #expect(again.output.contains("differs from the file in psps[0].api_key;"))
        let forced = try await Self.atrium(f, ["tenant", "apply", "--force", first], log: "apply-force")
        #expect(forced.status == 0, "\(forced.output)")
        #expect(forced.output.contains("overwriting Back Office changes (--force): psps[0].api_key"))
        #expect(try await f.latestVersion() == edited + 1)
        #expect(try await f.s.brandSettings.latest(slug: "aurora")?.origin == "file")
        let export2 = try await Self.atrium(f, ["tenant", "export", "aurora", "--out", second], log: "export-2")
        #expect(export2.status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: first)) == Data(contentsOf: URL(fileURLWithPath: second)))
        // With the latest version from a file, applying again needs no --force.
        let plain = try await Self.atrium(f, ["tenant", "apply", second], log: "apply-plain")
        #expect(plain.status == 0)
        #expect(plain.output.contains("aurora unchanged"))
    }
}
