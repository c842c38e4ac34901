import Foundation
import Logging
import PostgresNIO

/// Login rate limiting kept in PostgreSQL, so every server process sees the same counts.
/// A key (an email or a client IP) that fails `maxFailures` times within the window is locked.
public struct LoginThrottle: Sendable {
    /// `login_throttle` in a tenant schema, or `platform.login_throttle` for operators.
    public let table: String
    public var maxFailures = 5
    public var windowSeconds = 900
    public var lockSeconds = 900

    public static let tenant = LoginThrottle(table: "login_throttle")
    public static let platform = LoginThrottle(table: "platform.login_throttle")

    /// True when any of `keys` is currently locked.
    public func isLocked(_ keys: [String], on conn: PostgresConnection, logger: Logger) async throws -> Bool {
        var b = PostgresBindings()
        b.append(keys)
        let rows = try await conn.query(PostgresQuery(unsafeSQL: "SELECT 1 FROM \(table) WHERE key = ANY($1) AND locked_until > now()", binds: b), logger: logger).collect()
        return !rows.isEmpty
    }

    /// Counts a failure for each key and locks keys that reached the limit. Keys naming an IP
    /// (`…:ip:…`) get ten times the limit: many people can share one address (offices, proxies).
    public func recordFailure(_ keys: [String], on conn: PostgresConnection, logger: Logger) async throws {
        for key in keys {
            let limit = key.contains(":ip:") ? maxFailures * 10 : maxFailures
            var b = PostgresBindings()
            b.append(key)
            b.append(windowSeconds)
            b.append(limit)
            b.append(lockSeconds)
            try await conn.query(PostgresQuery(unsafeSQL: """
                INSERT INTO \(table) AS t (key, window_start, failures) VALUES ($1, now(), 1)
                ON CONFLICT (key) DO UPDATE SET
                    failures = CASE WHEN t.window_start < now() - make_interval(secs => $2) THEN 1 ELSE t.failures + 1 END,
                    window_start = CASE WHEN t.window_start < now() - make_interval(secs => $2) THEN now() ELSE t.window_start END,
                    locked_until = CASE WHEN t.window_start >= now() - make_interval(secs => $2) AND t.failures + 1 >= $3
                                        THEN now() + make_interval(secs => $4) ELSE t.locked_until END
                """, binds: b), logger: logger)
        }
    }

    /// Clears the counter of `keys` after a successful login.
    public func reset(_ keys: [String], on conn: PostgresConnection, logger: Logger) async throws {
        var b = PostgresBindings()
        b.append(keys)
        try await conn.query(PostgresQuery(unsafeSQL: "DELETE FROM \(table) WHERE key = ANY($1)", binds: b), logger: logger)
    }
}
