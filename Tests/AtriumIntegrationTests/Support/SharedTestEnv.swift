import AtriumBrandConfig
import AtriumHTTP
import AtriumSandbox
import AtriumSandboxWeb
import AtriumStorage
import Foundation

/// An environment shared by the cases of one suite, for fixtures the cases only read (brands,
/// staff accounts, a sandbox platform); each case makes its own traders. Keep it in a `static let`
/// task: built on first use, so the cases pay for the database copy, brand provisioning and
/// password hashing once. Its services keep running until the test process exits.
extension TestEnv {
    /// Services on a fresh database whose pool runs, unscoped, for the rest of the process.
    static func started(_ name: String, environment: [String: String] = [:]) async throws -> AppServices {
        let config = try await TestCluster.shared.freshEnvironment(name: name, extra: environment)
        let services = try await makeServices(config: config, logger: TestCluster.logger)
        Task.detached { await services.database.run() }
        try await Migrator(database: services.database, migrations: services.migrations).migratePlatform()
        return services
    }

    /// Provisions the named demo brands (`tenants/NAME.yaml`) with the demo admin password;
    /// each brand costs tenant migrations and a password hash, so a fixture names only those it uses.
    /// Staff sign in with a password only unless `staffTwoFactor` is `required` (TestBrands.swift).
    static func applyBrands(_ names: [String], to s: AppServices, staffTwoFactor: String = "optional") async throws {
        for name in names {
            let config = try TenantConfig.testBrand(name, staffTwoFactor: staffTwoFactor)
            _ = try await s.provisioning.apply(config, actor: "test")
            try await DemoSeed.setAdminPassword(slug: name, email: config.admin.email, password: "admin-demo-pass", services: s)
        }
    }
}

extension SandboxPlatformHarness {
    /// A server that runs, unscoped, for the rest of the process (for a suite's shared fixture).
    static func started() async throws -> SandboxPlatformHarness {
        let engine = try SandboxPlatform(configuration: try configuration(data: nil))
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let app = SandboxPlatformServer.application(engine: engine, port: 0, logger: TestCluster.logger) { port in
            sink.yield(port)
            sink.finish()
        }
        Task.detached { try? await app.runService(gracefulShutdownSignals: []) }
        var it = ports.makeAsyncIterator()
        guard let port = await it.next() else { throw SharedFixtureError.serverDidNotStart }
        return SandboxPlatformHarness(engine: engine, port: port)
    }
}

/// Why a suite's shared fixture could not be built.
enum SharedFixtureError: Error {
    case serverDidNotStart
}
