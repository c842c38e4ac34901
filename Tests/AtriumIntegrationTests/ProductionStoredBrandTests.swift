import AtriumBrandConfig
import AtriumHTTP
import Foundation
import Testing

/// Production checks the brands already in the database, not only the brand files on disk.
@Suite("Production posture: stored brands", .timeLimit(.minutes(2)))
struct ProductionStoredBrandTests {
    @Test("production serve refuses a stored brand with a sandbox PSP and platform, naming slug, tenant id, field and id")
    func serveRefusesStoredSandboxBrand() async throws {
        try await TestEnv.with("prodstored") { s in
            // setup: Aurora provisioned in development, sandbox PSP and platform included
            let path = TestCluster.repoRoot + "/tenants/aurora.yaml"
            _ = try await s.provisioning.apply(try TenantConfig.parse(yaml: String(contentsOfFile: path, encoding: .utf8), file: path), actor: "test")
            let aurora = try #require(try await s.registry.tenant(slug: "aurora"))
            var env = try ProductionPostureTests.safeEnvironment("stored")
            env["DATABASE_URL"] = s.config.databaseURL
            env["ATRIUM_ROLE_PREFIX"] = s.config.rolePrefix
            // MUT: no brand files, a safe environment, the same database
            let run = try AtriumRun(["serve"], environment: env, log: try #require(env["ATRIUM_HOME"]) + "/serve.log")
            let status = await run.exitStatus(within: 15)
            await run.stop()
            // validate
            let brand = "stored brand aurora (tenant \(aurora.handle.id.uuidString.lowercased()))"
            #expect(status == 1)
            #expect(run.output.contains("\(brand): psps[0].type: sandbox (sandbox-card) uses a development sandbox"))
            #expect(run.output.contains("\(brand): platforms[0].endpoint: sandbox (mt5-live)"))
            #expect(!run.output.contains("Server started"))
        }
    }
}
