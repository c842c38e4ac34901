import AtriumStorage
import Foundation
import PostgresNIO

/// IB figures from the commission engine: settlements paid to IB wallets per bucket and currency
/// (`commission_settlements` posted in the range), and the IBs who earned most on deals in the range
/// (`commission_lines` by deal time), ranked within each currency. The country filter is the IB's.
public enum PartnerReport {
    /// Paid settlements of one bucket and currency, minor units.
    public struct Payout: Sendable, Equatable {
        public let start: Date
        public let currency: String
        public let amount: Int64
    }

    /// One of the top IBs of a currency.
    public struct TopIB: Sendable, Equatable {
        public let email: String
        public let name: String
        public let currency: String
        public let amount: Int64
        public let lines: Int
    }

    /// How many IBs each currency's ranking shows.
    public static let topLimit = 10

    /// The statement `payouts` runs, for benchmarks and EXPLAIN.
    public static func payoutsSQL(_ range: ReportRange) -> PostgresQuery {
        """
            SELECT date_trunc(\(range.truncField), s.posted_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', s.currency, sum(s.amount)::bigint
            FROM commission_settlements s JOIN partners p ON p.id = s.partner_id JOIN users u ON u.id = p.user_id
            WHERE s.status = 'posted' AND s.posted_at >= \(range.from) AND s.posted_at < \(range.to)
              AND (\(range.country)::text IS NULL OR u.country = \(range.country))
            GROUP BY 1, 2
            """
    }

    /// Posted settlements per bucket, zero-filled for every currency that paid in the range.
    public static func payouts(_ range: ReportRange, in tx: TenantTransaction) async throws -> [Payout] {
        let rows = try await tx.query(payoutsSQL(range))
        var found: [String: [Date: Int64]] = [:]
        for try await (start, currency, amount) in rows.decode((Date, String, Int64).self) { found[currency, default: [:]][start] = amount }
        return found.keys.sorted().flatMap { c in range.bucketStarts.map { Payout(start: $0, currency: c, amount: found[c]?[$0] ?? 0) } }
    }

    /// The statement `top` runs, for benchmarks and EXPLAIN.
    public static func topSQL(_ range: ReportRange) -> PostgresQuery {
        """
            SELECT u.email, u.name, r.currency, r.amount, r.lines FROM (
                SELECT l.partner_id, l.currency, sum(l.amount)::bigint AS amount, count(*)::int AS lines,
                       row_number() OVER (PARTITION BY l.currency ORDER BY sum(l.amount) DESC, l.partner_id) AS rank
                FROM commission_lines l
                WHERE l.deal_time >= \(range.from) AND l.deal_time < \(range.to)
                  AND (\(range.country)::text IS NULL OR l.partner_id IN (
                      SELECT p.id FROM partners p JOIN users pu ON pu.id = p.user_id WHERE pu.country = \(range.country)))
                GROUP BY l.partner_id, l.currency
            ) r JOIN partners p ON p.id = r.partner_id JOIN users u ON u.id = p.user_id
            WHERE r.rank <= \(topLimit)
            ORDER BY r.currency, r.rank
            """
    }

    /// The top IBs of each currency by commission accrued on the range's deals (reversals included).
    public static func top(_ range: ReportRange, in tx: TenantTransaction) async throws -> [TopIB] {
        let rows = try await tx.query(topSQL(range))
        var out: [TopIB] = []
        for try await (email, name, currency, amount, lines) in rows.decode((String, String, String, Int64, Int).self) {
            out.append(TopIB(email: email, name: name, currency: currency, amount: amount, lines: lines))
        }
        return out
    }

    /// `bucket,currency,paid`.
    public static func payoutsCSV(_ payouts: [Payout]) -> String {
        var csv = ReportCSV(header: ["bucket", "currency", "paid"])
        for p in payouts { csv.row([ReportRange.format(p.start), p.currency, ReportAmount.text(p.amount, p.currency)]) }
        return csv.output
    }

    /// `rank,ib_email,ib_name,currency,commission,lines`.
    public static func topCSV(_ top: [TopIB]) -> String {
        var csv = ReportCSV(header: ["rank", "ib_email", "ib_name", "currency", "commission", "lines"])
        var rank: [String: Int] = [:]
        for ib in top {
            rank[ib.currency, default: 0] += 1
            csv.row(["\(rank[ib.currency] ?? 0)", ReportCSV.plain(ib.email), ReportCSV.plain(ib.name), ib.currency,
                     ReportAmount.text(ib.amount, ib.currency), "\(ib.lines)"])
        }
        return csv.output
    }
}
