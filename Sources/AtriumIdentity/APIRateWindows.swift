import AtriumStorage
import Foundation
import PostgresNIO

/// The per-key request count of the current fixed 60-second window (`api_rate_windows`). The
/// count lives in PostgreSQL so every server process shares it.
public enum APIRateWindows {
    /// One request's place in its window.
    public struct Hit: Sendable, Equatable {
        /// Requests of this key in the window, this one included.
        public let count: Int
        /// Whole seconds until the window ends (at least 1): the `Retry-After` of a 429.
        public let secondsLeft: Int

        /// Whether this request is over `limit`.
        public func exceeds(_ limit: Int) -> Bool { count > limit }
    }

    /// Counts one request of `key` with one statement: the upsert of the window's row, and the
    /// deletion of the key's older windows (an index range on the primary key, usually empty), so
    /// the table holds at most one row per key and needs no cleanup job.
    public static func hit(key: UUID, in tx: TenantTransaction) async throws -> Hit {
        let rows = try await tx.query("""
            WITH gone AS (DELETE FROM api_rate_windows WHERE key_id = \(key) AND window_start < date_trunc('minute', now())),
                 up AS (INSERT INTO api_rate_windows (key_id, window_start, count) VALUES (\(key), date_trunc('minute', now()), 1)
                        ON CONFLICT (key_id, window_start) DO UPDATE SET count = api_rate_windows.count + 1
                        RETURNING count, window_start)
            SELECT count, greatest(1, ceil(extract(epoch FROM window_start + interval '60 seconds' - clock_timestamp())))::int FROM up
            """).collect()
        guard let row = rows.first else { return Hit(count: 1, secondsLeft: 60) }
        let (count, left) = try row.decode((Int, Int).self)
        return Hit(count: count, secondsLeft: left)
    }
}
