import AtriumStorage
import Foundation
import PostgresNIO

/// Deposits, withdrawals and net funding per bucket and currency, read from the ledger: a deposit
/// is the `deposit` transfer that credits a client's wallet, a withdrawal the posted `withdrawal`
/// hold that leaves it (when the payout is paid). Currencies are never added together.
public enum FundingReport {
    /// One bucket of one currency, in integer minor units.
    public struct Point: Sendable, Equatable {
        public let start: Date
        public let currency: String
        public let deposits: Int64
        public let withdrawals: Int64
        /// Deposits minus withdrawals.
        public var net: Int64 { deposits - withdrawals }
    }

    /// The statement `query` runs, for benchmarks and EXPLAIN.
    public static func sql(_ range: ReportRange) -> PostgresQuery {
        """
            SELECT (floor((date_part('epoch', t.created_at) - \(range.bucketOffset)) / \(range.bucketSeconds)) * \(range.bucketSeconds) + \(range.bucketOffset))::bigint,
                   t.currency,
                   coalesce(sum(t.amount) FILTER (WHERE t.code = 'deposit'), 0)::bigint,
                   coalesce(sum(t.amount) FILTER (WHERE t.code = 'withdrawal'), 0)::bigint
            FROM ledger_transfers t
            WHERE t.created_at >= \(range.from) AND t.created_at < \(range.to)
              AND ((t.code = 'deposit' AND t.kind = 'posted') OR (t.code = 'withdrawal' AND t.kind = 'post_pending'))
              -- uncorrelated, so the country's wallets are read once and hashed
              AND (\(range.country)::text IS NULL OR CASE t.code WHEN 'deposit' THEN t.credit_account_id ELSE t.debit_account_id END IN (
                  SELECT a.id FROM ledger_accounts a JOIN users u ON u.id = a.owner_id WHERE u.country = \(range.country)))
            GROUP BY 1, 2
            """
    }

    /// Every bucket of the range for every currency that moved in it, zero-filled, ordered by
    /// currency then time.
    public static func query(_ range: ReportRange, in tx: TenantTransaction) async throws -> [Point] {
        let rows = try await tx.query(sql(range))
        var found: [String: [Date: (Int64, Int64)]] = [:]
        for try await (start, currency, deposits, withdrawals) in rows.decode((Int64, String, Int64, Int64).self) {
            found[currency, default: [:]][Date(timeIntervalSince1970: Double(start))] = (deposits, withdrawals)
        }
        return found.keys.sorted().flatMap { currency in
            range.bucketStarts.map { start in
                let (d, w) = found[currency]?[start] ?? (0, 0)
                return Point(start: start, currency: currency, deposits: d, withdrawals: w)
            }
        }
    }

    /// Totals per currency over the range.
    public static func totals(_ points: [Point]) -> [(currency: String, deposits: Int64, withdrawals: Int64)] {
        var out: [String: (Int64, Int64)] = [:]
        for p in points { out[p.currency, default: (0, 0)].0 += p.deposits; out[p.currency, default: (0, 0)].1 += p.withdrawals }
        return out.keys.sorted().map { c in (currency: c, deposits: out[c]?.0 ?? 0, withdrawals: out[c]?.1 ?? 0) }
    }

    /// `bucket,currency,deposits,withdrawals,net` with exact decimal amounts.
    public static func csv(_ points: [Point]) -> String {
        var csv = ReportCSV(header: ["bucket", "currency", "deposits", "withdrawals", "net"])
        for p in points {
            csv.row([ReportRange.format(p.start), p.currency, ReportAmount.text(p.deposits, p.currency),
                     ReportAmount.text(p.withdrawals, p.currency), ReportAmount.text(p.net, p.currency)])
        }
        return csv.output
    }
}
