import AtriumCore
import Foundation
import Logging
import NIOPosix
import PostgresNIO

/// A private PostgreSQL cluster under a directory of ours (the "embedded default").
///
/// PostgreSQL refuses to run as root, so when we are root every server command runs as the
/// `postgres` OS user through `runuser`, on a data directory that user owns.
public struct EmbeddedPostgres: Sendable {
    public let root: String
    public let port: Int
    /// Test clusters trade durability for speed; demo and production keep PostgreSQL's defaults.
    public let durable: Bool
    public static let appRole = "atrium"
    static let appRoleIdentifier = SQLIdentifier(constant: "atrium")
    public static let superuser = "postgres"

    public init(root: String, port: Int, durable: Bool = true) {
        self.root = URL(fileURLWithPath: root).standardizedFileURL.path
        self.port = port
        self.durable = durable
    }

    var dataDirectory: String { root + "/data" }
    var socketDirectory: String { root + "/run" }
    var logFile: String { root + "/postgres.log" }
    var appPasswordFile: String { root + "/app.password" }
    var superPasswordFile: String { root + "/superuser.password" }

    /// URL for the application's login role and database.
    public func appURL(database: String = "atrium") throws -> DatabaseURL {
        DatabaseURL(user: Self.appRole, password: try read(appPasswordFile), host: "127.0.0.1", port: port, database: database)
    }

    /// URL for the cluster superuser (bootstrap, tests, backups).
    public func superuserURL(database: String = "postgres") throws -> DatabaseURL {
        DatabaseURL(user: Self.superuser, password: try read(superPasswordFile), host: "127.0.0.1", port: port, database: database)
    }

    /// Initialises the cluster if needed, starts it if it is not running, and makes sure the
    /// application role and database exist. Safe to call repeatedly and from several processes.
    public func start(logger: Logger) async throws {
        // initdb and pg_ctl block until they finish (seconds on a cold start); they run on the
        // NIO thread pool so the few cooperative threads of Swift concurrency stay free.
        try await NIOThreadPool.singleton.runIfActive { try self.startServer(logger: logger) }
        try await ensureAppRole()
        try await ensureDatabase("atrium", logger: logger)
    }

    /// Initialises the cluster if needed and starts it unless it runs (blocking).
    private func startServer(logger: Logger) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        if !fm.fileExists(atPath: dataDirectory + "/PG_VERSION") {
            try initialise(logger: logger)
        }
        if try run(binary("pg_ctl"), ["-D", dataDirectory, "status"], allowFailure: true) != 0 {
            logger.info("starting embedded PostgreSQL", metadata: ["port": "\(port)", "data": "\(dataDirectory)"])
            var options = "-p \(port) -k \(socketDirectory) -c listen_addresses=127.0.0.1 -c max_connections=300"
            if !durable { options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off" }
            let status = try run(binary("pg_ctl"), ["-D", dataDirectory, "-l", logFile, "-w", "-t", "60", "-o", options, "start"], allowFailure: true)
            // Another process may have started it between our status check and start.
            if status != 0, try run(binary("pg_ctl"), ["-D", dataDirectory, "status"], allowFailure: true) != 0 {
                throw StorageError.embeddedPostgres("pg_ctl start failed on port \(port); see \(logFile):\n\(logTail())")
            }
        }
    }

    /// Creates or updates the application's login role, serialised by an advisory lock.
    private func ensureAppRole() async throws {
        let client = PostgresClient(configuration: try superuserURL().clientConfiguration(poolSize: 1))
        try await client.runScoped {
            let appPassword = try read(appPasswordFile)
            try await client.withTransaction(logger: Logger(label: "atrium.pg")) { conn in
                try await conn.query("SELECT pg_advisory_xact_lock(4242)", logger: Logger(label: "atrium.pg"))
                let exists = try await conn.query("SELECT 1 FROM pg_roles WHERE rolname = \(Self.appRole)", logger: Logger(label: "atrium.pg")).collect().count > 0
                // NOINHERIT: the login role has no privileges of the tenant roles it may switch to.
                // CREATEROLE: provisioning creates one NOLOGIN role per tenant.
                // Role options cannot be bound; format() quotes the password as a literal in the server.
                let verb = exists ? "ALTER" : "CREATE"
                let statement = try await conn.query("""
                    SELECT format('\(unescaped: verb) ROLE %I LOGIN NOINHERIT CREATEROLE PASSWORD %L', \(Self.appRole)::text, \(appPassword)::text)
                    """, logger: Logger(label: "atrium.pg")).collect().first?.decode(String.self) ?? ""
                try await conn.query(PostgresQuery(unsafeSQL: statement), logger: Logger(label: "atrium.pg"))
            }
        }
    }

    /// Stops the cluster (fast shutdown: open transactions roll back).
    public func stop() throws {
        _ = try run(binary("pg_ctl"), ["-D", dataDirectory, "-m", "fast", "-w", "stop"], allowFailure: true)
    }

    /// The advisory lock that serialises `ensureDatabase` across processes.
    static let setupLockKey: Int64 = 0x41_54_52_49_55_4E

    /// Creates `name` owned by the application role, with `public` closed to tenant roles.
    public func ensureDatabase(_ name: String, logger: Logger) async throws {
        guard let ident = SQLIdentifier(name) else { throw StorageError.invalidIdentifier(name) }
        let client = PostgresClient(configuration: try superuserURL().clientConfiguration(poolSize: 1))
        try await client.runScoped {
            let dbExists = try await client.query("SELECT 1 FROM pg_database WHERE datname = \(name)").collect().count > 0
            if !dbExists {
                do {
                    try await client.query("CREATE DATABASE \(ident) OWNER \(Self.appRoleIdentifier)")
                } catch where error.sqlState == "42P04" || error.sqlState == "23505" {
                    // Created concurrently: 42P04 when the other was first to commit, 23505 when both
                    // were inserting its pg_database row at once.
                }
            }
        }
        let dbClient = PostgresClient(configuration: try superuserURL(database: name).clientConfiguration(poolSize: 1))
        try await dbClient.runScoped {
            // One process at a time: two commands starting together (`xargs -P 4 atrium tenant apply`)
            // rewrote the same catalog rows at once and one failed with "tuple concurrently updated".
            try await dbClient.checkedTransaction(logger: logger) { conn in
                try await conn.query("SELECT pg_advisory_xact_lock(\(Self.setupLockKey))", logger: logger)
                try await conn.query("REVOKE ALL ON SCHEMA public FROM PUBLIC", logger: logger)
                try await conn.query("REVOKE TEMPORARY ON DATABASE \(ident) FROM PUBLIC", logger: logger)
            }
        }
        logger.debug("database ready", metadata: ["database": "\(name)"])
    }

    /// Drops a database (used by the test harness between runs).
    public func dropDatabase(_ name: String) async throws {
        guard let ident = SQLIdentifier(name) else { throw StorageError.invalidIdentifier(name) }
        let client = PostgresClient(configuration: try superuserURL().clientConfiguration(poolSize: 1))
        try await client.runScoped {
            try await client.query("DROP DATABASE IF EXISTS \(ident) WITH (FORCE)")
        }
    }

    private func initialise(logger: Logger) throws {
        logger.info("initialising embedded PostgreSQL cluster", metadata: ["data": "\(dataDirectory)"])
        let fm = FileManager.default
        try fm.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)
        let superPassword = Token.randomPassword()
        try write(superPasswordFile, superPassword)
        try write(appPasswordFile, Token.randomPassword())
        let pwfile = root + "/.initdb-pw"
        try write(pwfile, superPassword, ownedByPostgres: true)
        defer { try? fm.removeItem(atPath: pwfile) }
        if isRoot {
            _ = try run("/bin/chown", ["postgres:postgres", root, socketDirectory])
            _ = try run("/bin/chmod", ["700", root])
        }
        _ = try run(binary("initdb"), ["-D", dataDirectory, "-U", Self.superuser, "--pwfile=\(pwfile)",
                                       "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"])
    }

    private var isRoot: Bool { getuid() == 0 }

    /// Finds PostgreSQL's server binaries, newest major version first.
    private func binary(_ name: String) throws -> String {
        let base = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        for v in versions.compactMap(Int.init).sorted(by: >) {
            let path = "\(base)/\(v)/bin/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        for dir in ["/usr/local/bin", "/usr/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        throw StorageError.embeddedPostgres("\(name) not found; install the postgresql package (./ops/demo does)")
    }

    @discardableResult
    private func run(_ path: String, _ args: [String], allowFailure: Bool = false) throws -> Int32 {
        // Server binaries run as the postgres OS user when we are root; chown/chmod run as us.
        let (exe, argv) = isRoot && !path.hasPrefix("/bin/") ? ("/sbin/runuser", ["-u", "postgres", "--", path] + args) : (path, args)
        let outPath = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-pg-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: outPath) }
        let status = try Subprocess.run(exe, argv, outputFile: outPath)
        if status != 0 && !allowFailure {
            let text = String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self).suffix(600)
            throw StorageError.embeddedPostgres("\((path as NSString).lastPathComponent) exited \(status): \(text)")
        }
        return status
    }

    /// The last lines of the server log, so a failed start says why (a busy port, a permission).
    func logTail(lines: Int = 12) -> String {
        guard let text = try? String(contentsOfFile: logFile, encoding: .utf8) else { return "(no log)" }
        return text.split(separator: "\n", omittingEmptySubsequences: true).suffix(lines).joined(separator: "\n")
    }

    private func read(_ file: String) throws -> String {
        guard let s = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw StorageError.embeddedPostgres("missing \(file); run `atrium db start` first")
        }
        return s.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func write(_ file: String, _ value: String, ownedByPostgres: Bool = false) throws {
        try value.write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        if ownedByPostgres && isRoot { _ = try run("/bin/chown", ["postgres:postgres", file]) }
    }
}

extension PostgresClient {
    /// Runs the client's connection pool for the duration of `body`.
    @discardableResult
    public func runScoped<R: Sendable>(_ body: @Sendable () async throws -> R) async throws -> R {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.run() }
            defer { group.cancelAll() }
            return try await body()
        }
    }
}
