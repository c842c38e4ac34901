import AtriumStorage
import Foundation
import PostgresNIO

/// Active traders: distinct clients with at least one synced platform deal (`platform_deals`,
/// not cancelled) on a live account in a bucket, and over the whole range.
public enum ActivityReport {
    /// Distinct active clients in one bucket.
    public struct Point: Sendable, Equatable {
        public let start: Date
        public let traders: Int
    }

    /// The series and the range's distinct total (a client active on two days counts once).
    public struct Summary: Sendable, Equatable {
        public let total: Int
        public let points: [Point]
    }

    /// The statement `query` runs, for benchmarks and EXPLAIN.
    public static func sql(_ range: ReportRange) -> PostgresQuery {
        let fromMs = Int64(range.from.timeIntervalSince1970 * 1000), toMs = Int64(range.to.timeIntervalSince1970 * 1000)
        return """
            SELECT b, count(DISTINCT user_id)::int FROM (
                SELECT (d.time_msc / 1000 - \(range.bucketOffset)) / \(range.bucketSeconds) * \(range.bucketSeconds) + \(range.bucketOffset) AS b, a.user_id
                FROM platform_deals d
                JOIN trading_accounts a ON a.id = d.account_id AND a.kind = 'live'
                WHERE d.time_msc >= \(fromMs) AND d.time_msc < \(toMs) AND d.status <> 'cancelled'
                  AND (\(range.country)::text IS NULL OR a.user_id IN (SELECT id FROM users WHERE country = \(range.country)))
            ) x
            -- one pass: a row per bucket, and the range's distinct total as the row without a bucket
            GROUP BY GROUPING SETS ((b), ())
            """
    }

    /// The range's active traders, per bucket and in total.
    public static func query(_ range: ReportRange, in tx: TenantTransaction) async throws -> Summary {
        let rows = try await tx.query(sql(range))
        var total = 0
        var found: [Date: Int] = [:]
        for try await (start, count) in rows.decode((Int64?, Int).self) {
            if let start { found[Date(timeIntervalSince1970: Double(start))] = count } else { total = count }
        }
        return Summary(total: total, points: range.bucketStarts.map { Point(start: $0, traders: found[$0] ?? 0) })
    }

    /// `bucket,active_traders`, then the range's distinct total.
    public static func csv(_ s: Summary) -> String {
        var csv = ReportCSV(header: ["bucket", "active_traders"])
        for p in s.points { csv.row([ReportRange.format(p.start), "\(p.traders)"]) }
        csv.row(["total_distinct", "\(s.total)"])
        return csv.output
    }
}
