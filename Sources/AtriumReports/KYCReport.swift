import AtriumStorage
import Foundation
import PostgresNIO

/// KYC decisions taken in the range: how many were approved or rejected, the approval rate and
/// the median time from the client's submission to the decision. A submission is the rules run
/// (or the system's return to review) that every submission records in `kyc_decisions`; the time
/// to a decision is measured from the latest such row at or before it, so an automatic approval
/// takes zero seconds.
public enum KYCReport {
    /// Final decisions per bucket.
    public struct Point: Sendable, Equatable {
        public let start: Date
        public let approved: Int
        public let rejected: Int
    }

    /// The range's figures and its per-bucket series.
    public struct Summary: Sendable, Equatable {
        public let approved: Int
        public let rejected: Int
        /// Median seconds from submission to decision; nil without decisions.
        public let medianSeconds: Int64?
        public let points: [Point]

        /// Approved ÷ (approved + rejected) in basis points; nil without decisions.
        public var approvalBasisPoints: Int? {
            approved + rejected == 0 ? nil : approved * 10_000 / (approved + rejected)
        }
    }

    /// The statement `query` runs, for benchmarks and EXPLAIN.
    public static func sql(_ range: ReportRange) -> PostgresQuery {
        """
            WITH decided AS (
                -- the latest submission at or before each decision, by a window over the deciding clients' rows
                -- (one ordered pass over kyc_decisions_user instead of a lookup per decision)
                SELECT decided_at, outcome, seconds FROM (
                    SELECT d.decided_at, d.outcome,
                           date_part('epoch', d.decided_at - max(d.decided_at) FILTER (WHERE d.actor NOT LIKE 'staff:%')
                                                              OVER (PARTITION BY d.user_id ORDER BY d.id)) AS seconds
                    FROM kyc_decisions d
                    WHERE d.user_id IN (
                        SELECT f.user_id FROM kyc_decisions f JOIN users u ON u.id = f.user_id
                        WHERE f.outcome IN ('approved', 'rejected') AND f.decided_at >= \(range.from) AND f.decided_at < \(range.to)
                          AND (\(range.country)::text IS NULL OR u.country = \(range.country)))
                ) w
                WHERE outcome IN ('approved', 'rejected') AND decided_at >= \(range.from) AND decided_at < \(range.to)
            )
            SELECT NULL::timestamptz, count(*) FILTER (WHERE outcome = 'approved')::int, count(*) FILTER (WHERE outcome = 'rejected')::int,
                   floor(percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds))::bigint
            FROM decided
            UNION ALL
            SELECT date_trunc(\(range.truncField), decided_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
                   count(*) FILTER (WHERE outcome = 'approved')::int, count(*) FILTER (WHERE outcome = 'rejected')::int, NULL
            FROM decided GROUP BY 1
            """
    }

    /// Final (`approved` or `rejected`) decisions whose time falls in the range.
    public static func query(_ range: ReportRange, in tx: TenantTransaction) async throws -> Summary {
        let rows = try await tx.query(sql(range))
        var approved = 0, rejected = 0
        var median: Int64?
        var found: [Date: (Int, Int)] = [:]
        for try await (start, a, r, m) in rows.decode((Date?, Int, Int, Int64?).self) {
            if let start {
                found[start] = (a, r)
            } else {
                (approved, rejected, median) = (a, r, m)
            }
        }
        let points = range.bucketStarts.map { s in Point(start: s, approved: found[s]?.0 ?? 0, rejected: found[s]?.1 ?? 0) }
        return Summary(approved: approved, rejected: rejected, medianSeconds: median, points: points)
    }

    /// `bucket,approved,rejected`, then the range's totals, rate and median as the last rows.
    public static func csv(_ s: Summary) -> String {
        var csv = ReportCSV(header: ["bucket", "approved", "rejected"])
        for p in s.points { csv.row([ReportRange.format(p.start), "\(p.approved)", "\(p.rejected)"]) }
        csv.row(["total", "\(s.approved)", "\(s.rejected)"])
        csv.row(["approval_rate_percent", s.approvalBasisPoints.map(FunnelReport.percent) ?? "", ""])
        csv.row(["median_seconds_to_decision", s.medianSeconds.map { "\($0)" } ?? "", ""])
        return csv.output
    }
}
