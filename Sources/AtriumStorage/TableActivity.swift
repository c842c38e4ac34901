import Logging
import PostgresNIO
import Synchronization

/// Which tenant schemas changed, for all tenants in one query: PostgreSQL's row-change counters
/// per table (`pg_stat_user_tables`, inserts + updates + deletes) on the tables a periodic task
/// reads. A task runs for a tenant whose counters moved since its last run, and for every tenant
/// at least every `sweepEvery` (counters are flushed within seconds and reset after a crash, so
/// the sweep is the backstop). This makes an idle tick one query instead of one per tenant.
public final class TableActivity: Sendable {
    let database: Database
    let tables: [String]
    let sweepEvery: Duration
    /// Count inserted rows only (new rows are the activity; updates may be the task's own writes).
    let insertsOnly: Bool
    private struct Seen {
        var counter: Int64?
        var ranAt: ContinuousClock.Instant
    }
    private let seen = Mutex<[String: Seen]>([:])

    public init(database: Database, tables: [String], sweepEvery: Duration = .seconds(600), insertsOnly: Bool = false) {
        self.database = database
        self.tables = tables
        self.sweepEvery = sweepEvery
        self.insertsOnly = insertsOnly
    }

    /// The current counters of every schema holding one of the tables; nil when they cannot be read
    /// (then every tenant is due).
    public func counters() async -> [String: Int64]? {
        let insertsOnly = self.insertsOnly
        return try? await database.platform { conn in
            var out: [String: Int64] = [:]
            for try await (schema, count) in try await conn.query("""
                SELECT schemaname::text, sum(n_tup_ins + CASE WHEN \(insertsOnly) THEN 0 ELSE n_tup_upd + n_tup_del END)::int8 FROM pg_stat_user_tables
                WHERE relname = ANY(\(tables)) GROUP BY schemaname
                """, logger: database.logger).decode((String, Int64).self) {
                out[schema] = count
            }
            return out
        }
    }

    /// Whether the task should run for `schema` now, given this tick's `counters`.
    public func isDue(_ schema: String, counters: [String: Int64]?, now: ContinuousClock.Instant = .now) -> Bool {
        guard let counters else { return true }
        return seen.withLock { s in
            guard let last = s[schema] else { return true }
            return now - last.ranAt >= sweepEvery || last.counter != counters[schema]
        }
    }

    /// Records a successful run for `schema` with the counter read before it.
    public func ran(_ schema: String, counters: [String: Int64]?, at now: ContinuousClock.Instant = .now) {
        seen.withLock { $0[schema] = Seen(counter: counters?[schema], ranAt: now) }
    }
}

/// One pass of a gated periodic task over the tenants: `activity`'s counters, read once at the
/// pass's start. Without an activity every tenant is due on every pass.
public struct ActivityPass: Sendable {
    public let activity: TableActivity?
    public let counters: [String: Int64]?

    /// Reads the counters for a new pass.
    public init(_ activity: TableActivity?) async {
        self.init(activity, counters: await activity?.counters())
    }

    /// A pass with counters read elsewhere (nil: every tenant is due).
    public init(_ activity: TableActivity?, counters: [String: Int64]?) {
        self.activity = activity
        self.counters = counters
    }

    public func isDue(_ schema: String) -> Bool {
        activity?.isDue(schema, counters: counters) ?? true
    }

    /// Records a successful run for `schema`.
    public func ran(_ schema: String) {
        activity?.ran(schema, counters: counters)
    }

    /// Runs `body` when `schema` is due and records the run once it returns; nil when not due. A
    /// body that throws is not recorded, so the tenant stays due.
    @discardableResult
    public func ifDue<T>(_ schema: String, _ body: () async throws -> T) async rethrows -> T? {
        guard isDue(schema) else { return nil }
        let result = try await body()
        ran(schema)
        return result
    }
}
