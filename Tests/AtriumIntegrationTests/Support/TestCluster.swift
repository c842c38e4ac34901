import AtriumBrandConfig
import AtriumCore
import AtriumHTTP
import AtriumStorage
import AtriumTenancy
import Foundation
import Logging
import PostgresNIO

/// The private PostgreSQL cluster of a test run, started once per process under
/// `.atrium/test/pg` (or `$ATRIUM_TEST_HOME/pg`). Each test gets its own database, copied from
/// a template that is migrated once per run (as SwiftPackageIndex-Server does), so no test pays
/// for the platform migrations. Tenant roles are cluster-wide, which is why each copy gets its own
/// `ATRIUM_ROLE_PREFIX`; the template holds no tenant, so it holds no role either.
actor TestCluster {
    static let shared = TestCluster()
    private var starting: Task<EmbeddedPostgres, any Error>?
    private var migratingTemplate: Task<String, any Error>?

    static let repoRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    static var testHome: String {
        ProcessInfo.processInfo.environment["ATRIUM_TEST_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? repoRoot + "/.atrium/test"
    }

    static let logger: Logger = {
        var l = Logger(label: "atrium.test")
        l.logLevel = .warning
        return l
    }()

    /// Starts the cluster once; concurrent callers share the same start (actors are reentrant).
    func cluster() async throws -> EmbeddedPostgres {
        if let starting { return try await starting.value }
        let task = Task {
            // A port found free can be taken before PostgreSQL binds it (other suites start
            // servers meanwhile); a failed start is retried on a newly chosen port.
            var attempt = 0
            while true {
                attempt += 1
                let port = try Self.clusterPort(fresh: attempt > 1)
                let pg = EmbeddedPostgres(root: Self.testHome + "/pg", port: port, durable: false)
                do {
                    try await pg.start(logger: Self.logger)
                } catch where attempt < 3 && ProcessInfo.processInfo.environment["ATRIUM_TEST_PG_PORT"] == nil {
                    Self.logger.warning("test cluster did not start; trying another port", metadata: ["port": "\(port)", "error": "\(error)"])
                    continue
                }
                try await Self.dropLeftovers(pg)
                return pg
            }
        }
        starting = task
        return try await task.value
    }

    /// `ATRIUM_TEST_PG_PORT`, else the port this cluster used before (kept next to it), else a
    /// free port below the kernel's ephemeral range, so neither a busy fixed port (another
    /// checkout's tests) nor the ports the OS hands to this run's own servers and connections
    /// can take it.
    static func clusterPort(fresh: Bool = false) throws -> Int {
        if let env = ProcessInfo.processInfo.environment["ATRIUM_TEST_PG_PORT"], let port = Int(env) { return port }
        let file = testHome + "/pg.port"
        if !fresh, let text = try? String(contentsOfFile: file, encoding: .utf8), let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            return port
        }
        var port = try ChromeDriver.freePort()
        for _ in 0..<50 {
            let candidate = Int.random(in: 20_000..<32_000)
            if ChromeDriver.isFree(port: candidate) { port = candidate; break }
        }
        try FileManager.default.createDirectory(atPath: testHome, withIntermediateDirectories: true)
        try "\(port)\n".write(toFile: file, atomically: true, encoding: .utf8)
        return port
    }

    /// Databases and tenant roles of earlier runs are removed so the cluster does not grow.
    private static func dropLeftovers(_ pg: EmbeddedPostgres) async throws {
        let client = PostgresClient(configuration: try pg.superuserURL().clientConfiguration(poolSize: 1))
        try await client.runScoped {
            let dbs = try await client.query("SELECT datname FROM pg_database WHERE datname LIKE 't\\_%'").collect().map { try $0.decode(String.self) }
            for db in dbs { try await client.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \"\(db)\" WITH (FORCE)")) }
            let roles = try await client.query("SELECT rolname FROM pg_roles WHERE rolname ~ '^r[a-z0-9]{6}_'").collect().map { try $0.decode(String.self) }
            for role in roles { try await client.query(PostgresQuery(unsafeSQL: "DROP ROLE IF EXISTS \"\(role)\"")) }
        }
    }

    /// A fresh database with platform migrations applied, and a config pointing at it.
    func freshEnvironment(name: String, migrations: String? = nil, extra: [String: String] = [:]) async throws -> AppConfig {
        let pg = try await cluster()
        let suffix = Token.randomPassword(length: 6).lowercased().filter { $0.isLetter || $0.isNumber }
        let dbName = "t_\(name.lowercased().filter { $0.isLetter })_\(suffix)"
        if migrations == nil {
            try await Self.copyDatabase(template: try await templateDatabase(), to: dbName, pg: pg)
        } else {
            // Tests with their own migration files start from an empty database.
            try await pg.ensureDatabase(dbName, logger: Self.logger)
        }
        let home = Self.testHome + "/" + dbName
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        var env = ProcessInfo.processInfo.environment
        env["DATABASE_URL"] = try await Self.applicationURL(pg, database: dbName, extra: extra).string
        env["ATRIUM_HOME"] = home
        env["ATRIUM_ENV"] = "development"
        env["ATRIUM_TEMPLATES"] = Self.repoRoot + "/templates"
        env["ATRIUM_MIGRATIONS"] = migrations ?? Self.repoRoot + "/migrations"
        env["ATRIUM_TENANTS"] = Self.repoRoot + "/tenants"
        env["ATRIUM_ROLE_PREFIX"] = "r\(suffix)_"
        env["ATRIUM_POOL_SIZE"] = "6"
        env["ATRIUM_PORT"] = "0"
        env["ATRIUM_SMTP_URL"] = ""
        env["ATRIUM_BENCH_ROUTES"] = "true"
        // Tests drive sync passes themselves; the background loop would race them.
        env["ATRIUM_TRADING_SYNC"] = "false"
        if TestBouncer.enabled {
            env["ATRIUM_DB_POOLER"] = "transaction"
            // As docs/OPERATIONS.md tells operators: the job wake-up listener bypasses PgBouncer.
            env["DATABASE_DIRECT_URL"] = try pg.appURL(database: dbName).string
        }
        env.merge(extra) { _, new in new }
        return try AppConfig.fromEnvironment(env)
    }

    /// The application's URL: through the run's PgBouncer in the pooler pass (`ATRIUM_TEST_PGBOUNCER=1`),
    /// unless the test names its own `ATRIUM_DB_POOLER` (then `none` means straight to the cluster).
    private static func applicationURL(_ pg: EmbeddedPostgres, database: String, extra: [String: String]) async throws -> DatabaseURL {
        var url = try pg.appURL(database: database)
        guard TestBouncer.enabled, extra["ATRIUM_DB_POOLER"] == nil else { return url }
        url.port = try await TestBouncer.shared.port(cluster: pg)
        return url
    }

    /// The name of the template database: created and platform-migrated by the first caller of the run.
    func templateDatabase() async throws -> String {
        if let migratingTemplate { return try await migratingTemplate.value }
        let task = Task {
            let pg = try await cluster()
            let name = "t_template_" + Token.randomPassword(length: 6).lowercased().filter { $0.isLetter || $0.isNumber }
            try await pg.ensureDatabase(name, logger: Self.logger)
            let database = Database(url: try pg.appURL(database: name), poolSize: 1, logger: Self.logger)
            let migrations = try MigrationSet.load(root: Self.repoRoot + "/migrations")
            // The pool is shut down (its connection closed) before the group returns: PostgreSQL
            // copies a template only while nobody is connected to it.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await database.run() }
                defer { group.cancelAll() }
                _ = try await Migrator(database: database, migrations: migrations).migratePlatform()
            }
            return name
        }
        migratingTemplate = task
        return try await task.value
    }

    /// `CREATE DATABASE … TEMPLATE`: a file-level copy, much cheaper than running the migrations again.
    private static func copyDatabase(template: String, to name: String, pg: EmbeddedPostgres) async throws {
        guard let copy = SQLIdentifier(name), let source = SQLIdentifier(template), let owner = SQLIdentifier(EmbeddedPostgres.appRole) else {
            throw StorageError.invalidIdentifier(name)
        }
        let client = PostgresClient(configuration: try pg.superuserURL().clientConfiguration(poolSize: 1))
        try await client.runScoped {
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(copy.quoted) TEMPLATE \(source.quoted) OWNER \(owner.quoted)"))
            // Database privileges are not part of the copy; schema privileges are.
            try await client.query(PostgresQuery(unsafeSQL: "REVOKE TEMPORARY ON DATABASE \(copy.quoted) FROM PUBLIC"))
        }
    }

    /// Superuser URL of a test database (for tampering tests and catalog checks).
    func superuserURL(database: String) async throws -> DatabaseURL {
        try await cluster().superuserURL(database: database)
    }
}

/// A migrated test environment with running services.
struct TestEnv {
    let services: AppServices

    /// Builds services on a fresh database, runs platform migrations and then `body`.
    static func with<R: Sendable>(_ name: String, migrations: String? = nil, environment: [String: String] = [:],
                                  _ body: @Sendable (AppServices) async throws -> R) async throws -> R {
        let config = try await TestCluster.shared.freshEnvironment(name: name, migrations: migrations, extra: environment)
        let services = try await makeServices(config: config, logger: TestCluster.logger)
        return try await withRunningServices(services) { s in
            try await Migrator(database: s.database, migrations: s.migrations).migratePlatform()
            return try await body(s)
        }
    }
}

extension AppServices {
    /// Provisions a brand with a random slug and known admin password; returns its record. Staff
    /// sign in with a password only unless `staffTwoFactor` is `required` (TestBrands.swift).
    func makeTenant(_ prefix: String = "brand", locales: [String] = ["en", "es"], adminPassword: String = "admin-test-pass",
                    staffTwoFactor: String = "optional") async throws -> TenantRecord {
        let slug = prefix + Token.randomPassword(length: 6).lowercased().filter { $0.isLetter || $0.isNumber }
        guard let valid = Slug(slug) else { throw ProvisioningError.notFound(slug) }
        let config = try TenantConfig.starter(slug: valid, name: "Brand \(slug)", domains: ["\(slug).test.localhost"], adminEmail: "admin@\(slug).test")
        _ = try await provisioning.apply(config.withStaffTwoFactor(staffTwoFactor), actor: "test")
        try await DemoSeed.setAdminPassword(slug: slug, email: "admin@\(slug).test", password: adminPassword, services: self)
        guard let record = try await registry.tenant(slug: slug) else { throw ProvisioningError.notFound(slug) }
        return record
    }
}
