import AtriumStorage
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Wakes the job worker when a job is enqueued: `LISTEN atrium_jobs` on a connection of its own
/// (to `Database.listenURL`, the direct URL when one is configured), while every enqueue sends
/// `pg_notify` in its own transaction. After each (re)connect a probe notification must come back
/// within `probeTimeout`; when it does not (a pooler in transaction mode), the worker falls back
/// to its backstop poll and this says so once in the log.
public final class JobWakeups: Sendable {
    /// What the listener is doing, for tests and the log.
    public enum Mode: Sendable, Equatable {
        case connecting, listening, polling
    }

    let database: Database
    let url: DatabaseURL
    let logger: Logger
    let probeTimeout: Duration
    let reconnectDelay: Duration
    private let current = Mutex(Mode.connecting)

    public init(database: Database, url: DatabaseURL? = nil, probeTimeout: Duration = .seconds(5), reconnectDelay: Duration = .seconds(5), logger: Logger) {
        self.database = database
        self.url = url ?? database.listenURL
        self.probeTimeout = probeTimeout
        self.reconnectDelay = reconnectDelay
        self.logger = logger
    }

    /// The listener's state.
    public var mode: Mode { current.withLock { $0 } }

    /// Listens until shutdown or until notifications prove not to arrive, signalling `signal` for
    /// each notification and once after every connect (jobs enqueued while disconnected).
    func run(_ signal: WakeSignal) async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            current.withLock { $0 = .connecting }
            do {
                let delivered = try await cancelWhenGracefulShutdown { try await self.listenOnce(signal) }
                if !delivered {
                    current.withLock { $0 = .polling }
                    logger.warning("job wake-ups: notifications do not arrive on this database URL (a pooler in transaction mode?); set DATABASE_DIRECT_URL to PostgreSQL itself. Jobs are polled instead.",
                                   metadata: ["host": "\(url.host):\(url.port)"])
                    return
                }
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { return }
                logger.warning("job wake-ups: listener connection lost, reconnecting", metadata: ["error": "\(error)", "retry_in": "\(reconnectDelay)"])
            }
            // Jobs enqueued while the listener was away are found by the worker's next claim.
            signal.signal()
            let delay = reconnectDelay
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
        }
    }

    /// One connection: returns false when the probe never arrived; otherwise listens until the
    /// connection ends (throws) or the task is cancelled.
    private func listenOnce(_ signal: WakeSignal) async throws -> Bool {
        let configuration = PostgresConnection.Configuration(host: url.host, port: url.port, username: url.user, password: url.password,
                                                             database: url.database, tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        do {
            // pooler-safe: its own connection to Database.listenURL (DATABASE_DIRECT_URL behind PgBouncer), never the pool.
            let result = try await connection.listen(on: JobChannel.name) { notifications in
                try await consume(notifications, signal: signal)
            }
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    private func consume(_ notifications: PostgresNotificationSequence, signal: WakeSignal) async throws -> Bool {
        let heard = HeardFlag()
        return try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                for try await _ in notifications {
                    heard.set()
                    signal.signal()
                }
                // The sequence ends when the connection closes: reconnect.
                throw ListenerEnded()
            }
            try await database.platform { conn in
                try await conn.query("SELECT pg_notify(\(JobChannel.name), 'probe')", logger: database.logger)
            }
            let deadline = ContinuousClock.now + probeTimeout
            while !heard.value && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            guard heard.value else {
                group.cancelAll()
                return false
            }
            current.withLock { $0 = .listening }
            logger.info("job wake-ups: listening", metadata: ["channel": "\(JobChannel.name)"])
            // Jobs enqueued before the LISTEN took effect.
            signal.signal()
            return try await group.next() ?? true
        }
    }
}

/// The notification stream ended: the listener connection closed.
struct ListenerEnded: Error, CustomStringConvertible {
    var description: String { "listener connection closed" }
}

/// Set once the first notification (the probe) has arrived.
final class HeardFlag: Sendable {
    private let flag = Mutex(false)
    var value: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}
