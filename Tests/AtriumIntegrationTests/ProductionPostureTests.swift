import AtriumBrandConfig
import AtriumCore
import AtriumHTTP
import Crypto
import Foundation
import Testing

/// `ATRIUM_ENV=production` fails closed: `serve` and `tenant apply` refuse unsafe settings and
/// name each one. The child-process tests need no database: they must stop before using one.
@Suite("Production posture", .timeLimit(.minutes(2)))
struct ProductionPostureTests {
    /// A production environment that passes every check, in a private home, with no brand files.
    static func safeEnvironment(_ name: String) throws -> [String: String] {
        let home = TestCluster.testHome + "/production-\(name)-\(Token.random(bytes: 4))"
        let tenants = home + "/tenants"
        try FileManager.default.createDirectory(atPath: tenants, withIntermediateDirectories: true)
        return [
            "ATRIUM_ENV": "production",
            "ATRIUM_HOME": home,
            "ATRIUM_TENANTS": tenants,
            "ATRIUM_TEMPLATES": TestCluster.repoRoot + "/templates",
            "ATRIUM_MIGRATIONS": TestCluster.repoRoot + "/migrations",
            // Never reached: the checks run before any connection is made.
            "DATABASE_URL": "postgres://atrium@127.0.0.1:1/atrium",
            "ATRIUM_MASTER_KEY": SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() },
            "ATRIUM_SECURE_COOKIES": "true",
            "ATRIUM_SMTP_URL": "smtp://mailer:secret@smtp.example.com:587",
            "ATRIUM_PORT": "0",
        ]
    }

    @Test("ATRIUM_ENV defaults to production and accepts only production or development")
    func environmentSetting() throws {
        #expect(try AppConfig.fromEnvironment([:]).mode == .production)
        #expect(try AppConfig.fromEnvironment(["ATRIUM_ENV": "development"]).mode == .development)
        #expect(throws: ConfigError.invalid(key: "ATRIUM_ENV", expected: "production or development", got: "staging")) {
            try AppConfig.fromEnvironment(["ATRIUM_ENV": "staging"])
        }
        // Production defaults are the safe ones; development keeps the demo's conveniences.
        let production = try AppConfig.fromEnvironment([:])
        #expect(production.secureCookies && !production.sandboxPSPEnabled)
        let development = try AppConfig.fromEnvironment(["ATRIUM_ENV": "development"])
        #expect(!development.secureCookies && development.sandboxPSPEnabled)
    }

    @Test("the checks name every unsafe variable, and nothing when the settings are safe")
    func checksNameVariables() throws {
        let safe = try Self.safeEnvironment("checks")
        #expect(ProductionChecks.problems(config: try AppConfig.fromEnvironment(safe)) == [])

        var unsafe = safe
        unsafe["DATABASE_URL"] = nil
        unsafe["ATRIUM_MASTER_KEY"] = nil
        unsafe["ATRIUM_SMTP_URL"] = nil
        unsafe["ATRIUM_SECURE_COOKIES"] = "false"
        unsafe["ATRIUM_SANDBOX_PSP"] = "true"
        let problems = ProductionChecks.problems(config: try AppConfig.fromEnvironment(unsafe))
        #expect(problems.map { String($0.prefix { $0 != ":" }) } == ["DATABASE_URL", "ATRIUM_MASTER_KEY", "ATRIUM_SMTP_URL", "ATRIUM_SECURE_COOKIES", "ATRIUM_SANDBOX_PSP"])
        // Development runs none of these checks.
        unsafe["ATRIUM_ENV"] = "development"
        #expect(ProductionChecks.problems(config: try AppConfig.fromEnvironment(unsafe)) == [])
    }

    @Test("a master key copied from a development home is refused")
    func developmentKeyRefused() throws {
        var env = try Self.safeEnvironment("devkey")
        let home = try #require(env["ATRIUM_HOME"])
        let key = try #require(env["ATRIUM_MASTER_KEY"])
        try Data(key.utf8).write(to: URL(fileURLWithPath: MasterKey.developmentFile(home: home)))
        let problems = ProductionChecks.problems(config: try AppConfig.fromEnvironment(env))
        #expect(problems == ["ATRIUM_MASTER_KEY: is the development key of \(home)/master.key; generate a new key for production"])
        env["ATRIUM_MASTER_KEY"] = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
        #expect(ProductionChecks.problems(config: try AppConfig.fromEnvironment(env)) == [])
    }

    @Test("production serve without DATABASE_URL exits non-zero, naming DATABASE_URL")
    func serveWithoutDatabase() async throws {
        var env = try Self.safeEnvironment("nodb")
        env["DATABASE_URL"] = nil
        let run = try AtriumRun(["serve"], environment: env, log: try #require(env["ATRIUM_HOME"]) + "/serve.log")
        let status = await run.exitStatus(within: 10)
        await run.stop()
        #expect(status == 1)
        #expect(run.output.contains("DATABASE_URL: not set"))
    }

    @Test("production serve with a brand file that uses a sandbox PSP exits non-zero, naming the file and the PSP id")
    func serveWithSandboxBrand() async throws {
        let env = try Self.safeEnvironment("sandboxbrand")
        let file = try #require(env["ATRIUM_TENANTS"]) + "/aurora.yaml"
        try FileManager.default.copyItem(atPath: TestCluster.repoRoot + "/tenants/aurora.yaml", toPath: file)
        let run = try AtriumRun(["serve"], environment: env, log: try #require(env["ATRIUM_HOME"]) + "/serve.log")
        let status = await run.exitStatus(within: 10)
        await run.stop()
        #expect(status == 1)
        #expect(run.output.contains("\(file): psps[0].type: sandbox (sandbox-card) uses a development sandbox"))
        #expect(run.output.contains("\(file): platforms[0].endpoint: sandbox (mt5-live)"))
    }

    @Test("production tenant apply refuses a brand file with sandbox settings, naming file, field and id")
    func tenantApplyRefusesSandbox() async throws {
        let env = try Self.safeEnvironment("apply")
        let file = TestCluster.repoRoot + "/tenants/kite.yaml"
        let run = try AtriumRun(["tenant", "apply", file], environment: env, log: try #require(env["ATRIUM_HOME"]) + "/apply.log")
        let status = await run.exitStatus(within: 10)
        await run.stop()
        #expect(status == 1)
        #expect(run.output.contains("\(file): psps[0].type: sandbox (sandbox-card)"))
        #expect(run.output.contains("\(file): platforms[0].endpoint: sandbox (mtr-live)"))
    }
}
