import AtriumStorage
import Foundation
import Logging
import PostgresNIO

/// Login rate limiting kept in PostgreSQL, so every server process sees the same counts.
/// A key (an email or a client IP) that fails `maxFailures` times within the window is locked.
public struct LoginThrottle: Sendable {
    /// `login_throttle` in a tenant schema, or `platform.login_throttle` for operators.
    public let table: SQLTableName
    public var maxFailures = 5
    public var windowSeconds = 900
    public var lockSeconds = 900

    public static let tenant = LoginThrottle(table: SQLTableName(SQLIdentifier(constant: "login_throttle")))
    public static let platform = LoginThrottle(table: SQLTableName(schema: .platform, SQLIdentifier(constant: "login_throttle")))

    /// True when any of `keys` is currently locked.
    public func isLocked(_ keys: [String], on conn: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await conn.query("SELECT 1 FROM \(table) WHERE key = ANY(\(keys)) AND locked_until > now()", logger: logger).collect()
        return !rows.isEmpty
    }

    /// Counts a failure for each key and locks keys that reached the limit. Keys naming an IP
    /// (`…:ip:…`) get ten times the limit: many people can share one address (offices, proxies).
    public func recordFailure(_ keys: [String], on conn: PostgresConnection, logger: Logger) async throws {
        for key in keys {
            let limit = key.contains(":ip:") ? maxFailures * 10 : maxFailures
            try await conn.query("""
                INSERT INTO \(table) AS t (key, window_start, failures) VALUES (\(key), now(), 1)
                ON CONFLICT (key) DO UPDATE SET
                    failures = CASE WHEN t.window_start < now() - make_interval(secs => \(windowSeconds)) THEN 1 ELSE t.failures + 1 END,
                    window_start = CASE WHEN t.window_start < now() - make_interval(secs => \(windowSeconds)) THEN now() ELSE t.window_start END,
                    locked_until = CASE WHEN t.window_start >= now() - make_interval(secs => \(windowSeconds)) AND t.failures + 1 >= \(limit)
                                        THEN now() + make_interval(secs => \(lockSeconds)) ELSE t.locked_until END
                """, logger: logger)
        }
    }

    /// Clears the counter of `keys` after a successful login.
    public func reset(_ keys: [String], on conn: PostgresConnection, logger: Logger) async throws {
        try await conn.query("DELETE FROM \(table) WHERE key = ANY(\(keys))", logger: logger)
    }
}
