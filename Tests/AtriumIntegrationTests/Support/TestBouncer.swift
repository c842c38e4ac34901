import AtriumStorage
import Foundation

/// The test run's private PgBouncer in transaction mode, in front of the test cluster, for the pooler
/// pass of `./ops/test` (`ATRIUM_TEST_PGBOUNCER=1`): the application's `DATABASE_URL` then points at it,
/// with `ATRIUM_DB_POOLER=transaction`. The harness's own superuser work (template, copies, leftovers)
/// stays on the cluster. Like the cluster, it keeps running between runs and is reused when its
/// config is unchanged; `./ops/test` stops it (its pid file) after the pass.
actor TestBouncer {
    static let shared = TestBouncer()
    private var starting: Task<Int, any Error>?

    /// Whether this run routes the application through PgBouncer.
    static var enabled: Bool { ProcessInfo.processInfo.environment["ATRIUM_TEST_PGBOUNCER"] == "1" }

    static var directory: String { TestCluster.testHome + "/pgbouncer" }
    /// Server connections per test database; fewer than the clients of the 32-connection test, so it multiplexes.
    static let poolSize = 8
    /// Extra server connections after `reserve_pool_timeout`, so a request waiting on `Database.standalone` cannot starve.
    static let reservePoolSize = 4

    /// The port PgBouncer listens on, started (or reused) on first use.
    func port(cluster pg: EmbeddedPostgres) async throws -> Int {
        if let starting { return try await starting.value }
        let task = Task { try Self.start(pg) }
        starting = task
        return try await task.value
    }

    private static func start(_ pg: EmbeddedPostgres) throws -> Int {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let app = try pg.appURL()
        let pidFile = directory + "/pgbouncer.pid"
        let running = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            .flatMap { isPgBouncer($0) ? $0 : nil }
        let previousPort = (try? String(contentsOfFile: directory + "/port", encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        if running != nil, let previousPort, let old = try? String(contentsOfFile: directory + "/pgbouncer.ini", encoding: .utf8),
           old == ini(port: previousPort, serverPort: pg.port) {
            return previousPort
        }
        if let running { try stop(running) }
        let port = try freshPort()
        // userlist.txt: the application's login role and password; PgBouncer logs in to the server with it (SCRAM).
        try write("\"\(app.user)\" \"\(app.password ?? "")\"\n", to: directory + "/userlist.txt")
        try write(ini(port: port, serverPort: pg.port), to: directory + "/pgbouncer.ini")
        try "\(port)\n".write(toFile: directory + "/port", atomically: true, encoding: .utf8)
        try? fm.removeItem(atPath: directory + "/pgbouncer.log")
        // PgBouncer refuses to run as root, like postgres: it runs as the postgres OS user then.
        let root = getuid() == 0
        if root { try run("/bin/chown", ["-R", "postgres:postgres", directory]) }
        let binary = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer"].first { fm.isExecutableFile(atPath: $0) }
        guard let binary else { throw TestBouncerError.notInstalled }
        let status = root ? try run("/sbin/runuser", ["-u", "postgres", "--", binary, "-d", directory + "/pgbouncer.ini"])
                          : try run(binary, ["-d", directory + "/pgbouncer.ini"])
        guard status == 0 else { throw TestBouncerError.didNotStart(logTail()) }
        for _ in 0..<100 where ChromeDriver.isFree(port: port) { usleep(50_000) }
        guard !ChromeDriver.isFree(port: port) else { throw TestBouncerError.didNotStart(logTail()) }
        return port
    }

    /// The config: every database of the cluster (`*`), transaction pooling, no reset query (nothing
    /// session-level is ever set), SCRAM for clients with the application's password.
    static func ini(port: Int, serverPort: Int) -> String {
        """
        ;; Written by the test harness (Tests/AtriumIntegrationTests/Support/TestBouncer.swift).
        [databases]
        * = host=127.0.0.1 port=\(serverPort)

        [pgbouncer]
        listen_addr = 127.0.0.1
        listen_port = \(port)
        unix_socket_dir =
        auth_type = scram-sha-256
        auth_file = \(directory)/userlist.txt
        pool_mode = transaction
        default_pool_size = \(poolSize)
        reserve_pool_size = \(reservePoolSize)
        reserve_pool_timeout = 1
        max_client_conn = 2000
        server_reset_query =
        ignore_startup_parameters = extra_float_digits,options
        logfile = \(directory)/pgbouncer.log
        pidfile = \(directory)/pgbouncer.pid

        """
    }

    /// A port below the ephemeral range that nothing holds now.
    private static func freshPort() throws -> Int {
        for _ in 0..<50 {
            let candidate = Int.random(in: 32_000..<32_700)
            if ChromeDriver.isFree(port: candidate) { return candidate }
        }
        return try ChromeDriver.freePort()
    }

    /// True when `pid` is a live pgbouncer (a pid file can outlive its process, and pids are reused).
    private static func isPgBouncer(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        return comm == "pgbouncer"
    }

    /// Stops the previous run's PgBouncer (ours: named by our pid file) whose config no longer fits.
    private static func stop(_ pid: Int32) throws {
        kill(pid, SIGTERM)
        for _ in 0..<100 where isPgBouncer(pid) { usleep(50_000) }
    }

    private static func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }

    /// posix_spawn + waitpid (Subprocess): Foundation's `Process` never reaps `runuser` on a Swift concurrency thread.
    @discardableResult
    private static func run(_ path: String, _ arguments: [String]) throws -> Int32 {
        try Subprocess.run(path, arguments, outputFile: directory + "/start.out")
    }

    private static func logTail() -> String {
        let text = (try? String(contentsOfFile: directory + "/pgbouncer.log", encoding: .utf8)) ?? "(no log)"
        return text.split(separator: "\n").suffix(10).joined(separator: "\n")
    }
}

/// Why the test run's PgBouncer is not available.
enum TestBouncerError: Error, CustomStringConvertible {
    case notInstalled
    case didNotStart(String)

    var description: String {
        switch self {
        case .notInstalled: "pgbouncer is not installed (./ops/test installs it with apt)"
        case let .didNotStart(log): "pgbouncer did not start; its log ends with:\n\(log)"
        }
    }
}
