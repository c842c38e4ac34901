import AtriumCore
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The application's connection pool. Platform data is reached through `platform(_:)`;
/// tenant data only through `TenantDB.transaction(_:_:)`.
public struct Database: Sendable {
    package let client: PostgresClient
    public let logger: Logger
    /// Whether hot queries go as named prepared statements (`ATRIUM_DB_PREPARED_STATEMENTS`; see Database+Prepared.swift).
    public let preparedStatements: Bool
    /// What sits between us and PostgreSQL (`ATRIUM_DB_POOLER`): session features need `.none`.
    public let pooler: DatabasePooler
    private let running = RunFlag()
    private let url: DatabaseURL
    /// Where `LISTEN` connects: the direct URL when one is configured (a pooler in transaction
    /// mode does not deliver notifications), else the pool's own URL.
    public let listenURL: DatabaseURL

    public init(url: DatabaseURL, poolSize: Int, preparedStatements: Bool = true, pooler: DatabasePooler = .none, logger: Logger,
                directURL: DatabaseURL? = nil) {
        self.url = url
        self.preparedStatements = preparedStatements
        self.pooler = pooler
        self.listenURL = directURL ?? url
        // The pool's own chatter (e.g. "run() not called yet" during start-up) stays out of the logs
        // unless it is an error.
        var background = logger
        background.logLevel = max(logger.logLevel, .error)
        self.client = PostgresClient(configuration: url.clientConfiguration(poolSize: poolSize), backgroundLogger: background)
        self.logger = logger
    }

    /// A transaction on platform tables (registry, operators, jobs). Errors are unwrapped to their cause.
    @discardableResult
    public func platform<R: Sendable>(_ body: (PostgresConnection) async throws -> R) async throws -> R {
        do {
            return try await client.checkedTransaction(logger: logger) { conn in
                try await conn.run(EnterPlatform(), prepared: preparedStatements, logger: logger)
                return try await body(conn)
            }
        } catch {
            throw error.rootCause
        }
    }

    /// Runs `body` on a connection of its own, outside the pool: for a long read (the sanctions index)
    /// that a request may wait on while it holds a pool connection in its transaction, so the read
    /// can never wait for the pool that those requests have exhausted.
    public func standalone<R: Sendable>(_ body: (PostgresConnection) async throws -> R) async throws -> R {
        let configuration = PostgresConnection.Configuration(host: url.host, port: url.port, username: url.user, password: url.password,
                                                             database: url.database, tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error.rootCause
        }
    }

    /// Runs the connection pool. A PostgresClient may only run once, so a second caller (the
    /// application's ServiceGroup inside a test that already runs the pool) waits for shutdown instead.
    public func run() async {
        if running.claim() {
            await client.run()
        } else {
            try? await gracefulShutdown()
        }
    }

    /// True when the database answers a trivial query.
    public func isReachable() async -> Bool {
        do {
            _ = try await client.query("SELECT 1", logger: logger).collect()
            return true
        } catch {
            return false
        }
    }
}

/// The pool as a lifecycle Service.
public struct DatabaseService: Service {
    let database: Database
    public init(database: Database) { self.database = database }
    public func run() async throws { await database.run() }
}

final class RunFlag: Sendable {
    private let flag = Mutex(false)
    /// True for the first caller only.
    func claim() -> Bool { flag.withLock { was in defer { was = true }; return !was } }
}
