import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// What the Partner Portal shows an IB, read from commission_lines, attributions, the hierarchy
/// and settlements. Every query is scoped to one partner (and, for the network, to its subtree
/// as of now), so a page cannot show another IB's data by changing an id.
///
/// Commission totals count lines with status `pending` or `settled` (excluded lines pay 0).
/// Lots come from `lots_ext` of the partner's level-1 accrual and reversal lines (one figure per
/// deal revision, a reversal counting negative), so a deal paid by several components is counted once.
public enum PartnerReports {
    /// A total in one currency, in minor units.
    public struct Total: Sendable, Equatable {
        public let currency: String
        public let minor: Int64
        public init(currency: String, minor: Int64) {
            self.currency = currency
            self.minor = minor
        }
    }

    /// The dashboard figures of one month.
    public struct Dashboard: Sendable, Equatable {
        public let period: PartnerPeriod
        public let commissions: [Total]
        public let lotsExt: Int64
        public let clients: Int
        public let fundedClients: Int
    }

    /// One day's commission total in the partner's wallet currency.
    public struct Day: Sendable, Equatable {
        public let date: String
        public let minor: Int64
    }

    /// The dashboard figures of `period`; the client counts are as of `now`.
    public static func dashboard(partner: UUID, period: PartnerPeriod, now: Date, in tx: TenantTransaction) async throws -> Dashboard {
        var commissions: [Total] = []
        for try await (currency, minor) in try await tx.query("""
            SELECT currency, sum(amount)::bigint FROM commission_lines
            WHERE partner_id = \(partner) AND deal_time >= \(period.start) AND deal_time < \(period.end) AND status IN ('pending', 'settled')
            GROUP BY currency ORDER BY currency
            """).decode((String, Int64).self) {
            commissions.append(Total(currency: currency, minor: minor))
        }
        let lots = try await lotsExt(partner: partner, from: period.start, to: period.end, in: tx)
        // The clients attributed to the partner now: the owner is the attribution with the
        // latest effective_from <= now.
        let row = try await tx.query("""
            SELECT count(*)::int, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM payments p WHERE p.user_id = c.client_id
                                                                 AND p.kind = 'deposit' AND p.status = 'succeeded'))::int
            FROM (SELECT DISTINCT ON (client_id) client_id, partner_id FROM client_attributions
                  WHERE effective_from <= \(now) ORDER BY client_id, effective_from DESC) c
            WHERE c.partner_id = \(partner)
            """).collect().first
        let (clients, funded) = try row?.decode((Int, Int).self) ?? (0, 0)
        return Dashboard(period: period, commissions: commissions, lotsExt: lots, clients: clients, fundedClients: funded)
    }

    /// Signed lots (1/100,000,000 lot) of the partner's level-1 lines in [from, to).
    static func lotsExt(partner: UUID, from: Date, to: Date, in tx: TenantTransaction) async throws -> Int64 {
        let row = try await tx.query("""
            SELECT coalesce(sum(CASE WHEN kind = 'reversal' THEN -abs(lots) ELSE lots END), 0)::bigint FROM (
                SELECT kind, max(lots_ext) AS lots FROM commission_lines
                WHERE partner_id = \(partner) AND level = 1 AND kind IN ('accrual', 'reversal')
                  AND deal_time >= \(from) AND deal_time < \(to)
                GROUP BY connection_id, deal, deal_revision, kind
            ) d
            """).collect().first
        return try row?.decode(Int64.self) ?? 0
    }

    /// Commission per UTC day in `currency` for the `days` days ending with the day of `now`
    /// (oldest first; a day without lines is 0).
    public static func daily(partner: UUID, currency: String, days: Int, now: Date, in tx: TenantTransaction) async throws -> [Day] {
        var out: [Day] = []
        for try await (day, minor) in try await tx.query("""
            SELECT to_char(d, 'YYYY-MM-DD'), coalesce(sum(l.amount), 0)::bigint
            FROM generate_series((\(now) AT TIME ZONE 'UTC')::date - (\(days - 1))::int, (\(now) AT TIME ZONE 'UTC')::date, interval '1 day') AS d
            LEFT JOIN commission_lines l ON l.partner_id = \(partner) AND l.currency = \(currency) AND l.status IN ('pending', 'settled')
                 AND l.deal_time >= d AT TIME ZONE 'UTC' AND l.deal_time < (d + interval '1 day') AT TIME ZONE 'UTC'
            GROUP BY d ORDER BY d
            """).decode((String, Int64).self) {
            out.append(Day(date: day, minor: minor))
        }
        return out
    }
}
