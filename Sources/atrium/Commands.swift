import ArgumentParser
import AtriumCore
import AtriumHTTP
import AtriumSandboxWeb
import AtriumStorage
import AtriumTenancy
import Foundation
import ServiceLifecycle
import UnixSignals

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve all portals and run background workers.")

    func run() async throws {
        try await Runtime.guarded {
            // Before anything large is allocated: large blocks go back to the system (MemoryTuning).
            MemoryTuning.apply(environment: ProcessInfo.processInfo.environment)
            let config = try AppConfig.fromEnvironment()
            // Fail closed: production refuses unsafe settings, naming each one, before touching anything.
            let problems = ProductionChecks.problems(config: config)
            guard problems.isEmpty else {
                throw CLIError(description: "refusing to start in production (ATRIUM_ENV=production):\n  " + problems.joined(separator: "\n  "))
            }
            let logger = Runtime.logger(config)
            // Then the brands already stored, once the database answers and before any service starts.
            let stored = try await ProductionChecks.storedBrands(config: config, logger: logger)
            guard stored.isEmpty else {
                throw CLIError(description: "refusing to start in production (ATRIUM_ENV=production):\n  " + stored.joined(separator: "\n  "))
            }
            let services = try await makeServices(config: config, logger: logger)
            try await ServerRunner.serve(services)
        }
    }
}

enum ServerRunner {
    /// Runs the HTTP server and workers until SIGINT/SIGTERM, then shuts down gracefully.
    /// The sandbox PSP is mounted only in development.
    static func serve(_ services: AppServices) async throws {
        let app = buildApplication(services: services, development: SandboxSites.development(services: services))
        let group = ServiceGroup(configuration: .init(services: [.init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint], logger: services.logger))
        try await group.run()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply platform migrations, then tenant migrations across all tenants.")

    func run() async throws {
        try await Runtime.guarded {
            try await Runtime.run { services in
                let report = try await MigrateAll.run(services) { say($0) }
                if !report.failed.isEmpty { throw CLIError(description: "\(report.failed.count) tenant(s) failed: \(report.failed.map(\.slug).joined(separator: ", ")); re-run `atrium migrate` after fixing") }
            }
        }
    }
}

enum MigrateAll {
    static func run(_ services: AppServices, progress: @escaping @Sendable (String) -> Void) async throws -> TenantMigrationReport {
        let migrator = Migrator(database: services.database, migrations: services.migrations)
        let applied = try await migrator.migratePlatform()
        progress(applied.isEmpty ? "platform up to date" : "platform: applied \(applied.joined(separator: ", "))")
        services.registry.invalidate()
        let tenants = try await services.registry.all().map(\.handle)
        let started = Date()
        let report = await migrator.migrateTenants(tenants, concurrency: services.config.migrationConcurrency, progress: progress)
        services.registry.invalidate()
        progress(String(format: "tenants: %d migrated, %d up to date, %d failed in %.2fs", report.migrated.count, report.upToDate.count, report.failed.count, Date().timeIntervalSince(started)))
        return report
    }
}

struct DB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "db", abstract: "Manage the embedded PostgreSQL cluster.")

    @Argument(help: "start | stop | url") var action: String
    @Flag(help: "Print the superuser URL instead of the application's.") var superuser = false

    func run() async throws {
        try await Runtime.guarded {
            let config = try AppConfig.fromEnvironment()
            guard config.databaseURL == nil else { throw CLIError(description: "DATABASE_URL is set; the embedded cluster is not in use") }
            let pg = EmbeddedPostgres(root: config.home + "/pg", port: config.embeddedPostgresPort)
            switch action {
            case "start": try await pg.start(logger: Runtime.logger(config)); say("embedded PostgreSQL running on 127.0.0.1:\(config.embeddedPostgresPort)")
            case "stop": try pg.stop(); say("stopped")
            case "url": say(superuser ? try pg.superuserURL(database: "atrium").string : try pg.appURL().string)
            default: throw CLIError(description: "db: expected start, stop or url, got \"\(action)\"")
            }
        }
    }
}
