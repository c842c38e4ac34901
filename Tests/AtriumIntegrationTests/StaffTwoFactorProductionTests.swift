import AtriumBrandConfig
import AtriumCore
import AtriumHTTP
import Foundation
import Testing

/// `security.staff_two_factor: optional` is development only: production `serve` and `tenant apply`
/// refuse such a brand, naming the brand and the field.
@Suite("Staff two-factor in production", .timeLimit(.minutes(3)))
struct StaffTwoFactorProductionTests {
    /// A brand file with no sandbox in it, so the staff setting is its only problem.
    static func brandFile(_ dir: String, staffTwoFactor: String) throws -> String {
        let file = dir + "/quiet.yaml"
        try """
        slug: quiet
        name: Quiet Markets
        domains: [quiet.example.com]
        branding: { primary_color: "#0b5fff", accent_color: "#ffb400", legal_footer: "Quiet Markets Ltd." }
        locales: { default: en, available: [en] }
        admin: { email: admin@quiet.test }
        security: { staff_two_factor: \(staffTwoFactor) }
        """.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test("production tenant apply refuses a brand with staff_two_factor: optional, naming the brand and the field")
    func tenantApplyRefuses() async throws {
        // setup
        let env = try ProductionPostureTests.safeEnvironment("staff2fa-apply")
        let file = try Self.brandFile(try #require(env["ATRIUM_HOME"]), staffTwoFactor: "optional")
        // MUT
        let run = try AtriumRun(["tenant", "apply", file], environment: env, log: try #require(env["ATRIUM_HOME"]) + "/apply.log")
        let status = await run.exitStatus(within: 10)
        await run.stop()
        // validate
        #expect(status == 1)
        #expect(run.output.contains("\(file): security.staff_two_factor: optional (brand quiet)"))
    }

    @Test("production serve refuses a brand file with staff_two_factor: optional; required is accepted")
    func serveRefuses() throws {
        // setup
        let env = try ProductionPostureTests.safeEnvironment("staff2fa-serve")
        let tenants = try #require(env["ATRIUM_TENANTS"])
        let file = try Self.brandFile(tenants, staffTwoFactor: "optional")
        // MUT / validate
        let problems = ProductionChecks.problems(config: try AppConfig.fromEnvironment(env))
        #expect(problems == ["\(file): security.staff_two_factor: optional (brand quiet) lets staff sign in without a second factor; production needs required"])
        _ = try Self.brandFile(tenants, staffTwoFactor: "required")
        #expect(ProductionChecks.problems(config: try AppConfig.fromEnvironment(env)) == [])
        var development = env
        development["ATRIUM_ENV"] = "development"
        _ = try Self.brandFile(tenants, staffTwoFactor: "optional")
        #expect(ProductionChecks.problems(config: try AppConfig.fromEnvironment(development)) == [])
    }
}
