import AtriumStorage
import Foundation
import PostgresNIO

/// The recorded state of one brand's platform connections and PSPs, for the operator console.
public struct TenantHealthRecord: Sendable, Equatable {
    /// The last sync pass of one trading platform connection (`trading_sync`).
    public struct Platform: Sendable, Equatable {
        public var connectionID: String
        /// `never`, `ok`, `auth_failed`, `unavailable`, `rate_limited` or `error`.
        public var status: String
        public var lastSuccessAt: Date?
        public var lastAttemptAt: Date?
        /// The start of the last error text (the sync keeps platform answers out of it).
        public var lastError: String
    }

    /// Payment outcomes of one PSP over the last day.
    public struct PSP: Sendable, Equatable {
        public var pspID: String
        public var failedLastDay: Int
        public var succeededLastDay: Int
        public var lastFailureAt: Date?
    }

    public var platforms: [Platform]
    public var psps: [PSP]

    /// The health records of the brand `tx` runs in, with PSP outcomes counted from `since`.
    public static func query(since: Date, in tx: TenantTransaction) async throws -> TenantHealthRecord {
        var platforms: [Platform] = []
        let sync = try await tx.query("""
            SELECT connection_id, status, last_success_at, last_attempt_at, left(last_error, 200) FROM trading_sync ORDER BY connection_id
            """)
        for try await (id, status, success, attempt, error) in sync.decode((String, String, Date?, Date?, String).self) {
            platforms.append(Platform(connectionID: id, status: status, lastSuccessAt: success, lastAttemptAt: attempt, lastError: error))
        }
        var psps: [PSP] = []
        let outcomes = try await tx.query("""
            SELECT psp_id, count(*) FILTER (WHERE status = 'failed')::int, count(*) FILTER (WHERE status IN ('succeeded', 'paid'))::int,
                   max(updated_at) FILTER (WHERE status = 'failed')
            FROM payments WHERE updated_at >= \(since) GROUP BY psp_id ORDER BY psp_id
            """)
        for try await (id, failed, succeeded, lastFailure) in outcomes.decode((String, Int, Int, Date?).self) {
            psps.append(PSP(pspID: id, failedLastDay: failed, succeededLastDay: succeeded, lastFailureAt: lastFailure))
        }
        return TenantHealthRecord(platforms: platforms, psps: psps)
    }
}
