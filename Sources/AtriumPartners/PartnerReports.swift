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

    // MARK: Clients

    /// A client of the IB as the portal shows it; `name` and `email` only when the brand shows names.
    public struct Client: Sendable, Equatable {
        public let id: UUID
        public let name: String
        public let email: String
        public let country: String
        public let since: Date
        public let lotsExt: Int64
        public let verified: Bool
        public let funded: Bool
    }

    /// The IB's own clients as of `now`, newest attribution first, with their lifetime lots on level-1 lines.
    public static func clients(partner: UUID, now: Date, in tx: TenantTransaction) async throws -> [Client] {
        try await clientRows(partner: partner, now: now, only: nil, in: tx)
    }

    /// One own client of the IB; nil when the client is not the IB's now (another IB's, or unknown).
    public static func client(_ id: UUID, partner: UUID, now: Date, in tx: TenantTransaction) async throws -> Client? {
        try await clientRows(partner: partner, now: now, only: id, in: tx).first
    }

    private static func clientRows(partner: UUID, now: Date, only: UUID?, in tx: TenantTransaction) async throws -> [Client] {
        var out: [Client] = []
        let rows = try await tx.query("""
            SELECT u.id, u.name, u.email, u.country, cur.effective_from, u.kyc_status = 'approved',
                   EXISTS (SELECT 1 FROM payments p WHERE p.user_id = u.id AND p.kind = 'deposit' AND p.status = 'succeeded'),
                   coalesce((SELECT sum(CASE WHEN kind = 'reversal' THEN -abs(lots) ELSE lots END) FROM (
                       SELECT kind, max(lots_ext) AS lots FROM commission_lines
                       WHERE partner_id = \(partner) AND client_id = u.id AND level = 1 AND kind IN ('accrual', 'reversal')
                       GROUP BY connection_id, deal, deal_revision, kind) d), 0)::bigint
            FROM (SELECT DISTINCT ON (client_id) client_id, partner_id, effective_from FROM client_attributions
                  WHERE effective_from <= \(now) ORDER BY client_id, effective_from DESC) cur
            JOIN users u ON u.id = cur.client_id
            WHERE cur.partner_id = \(partner) AND (\(only)::uuid IS NULL OR u.id = \(only))
            ORDER BY cur.effective_from DESC, u.id
            """)
        for try await (id, name, email, country, since, verified, funded, lots) in rows.decode((UUID, String, String, String, Date, Bool, Bool, Int64).self) {
            out.append(Client(id: id, name: name, email: email, country: country, since: since, lotsExt: lots, verified: verified, funded: funded))
        }
        return out
    }

    // MARK: Network

    /// A sub-IB in the partner's subtree as of now, with this month's figures.
    public struct SubIB: Sendable, Equatable {
        public let id: UUID
        public let parentID: UUID
        /// 1 = a direct sub-IB.
        public let depth: Int
        public let name: String
        /// Lots of the sub-IB's own clients this month (its level-1 lines).
        public let lotsExt: Int64
        /// What the viewing IB earned this month at levels above 1 on deals of this sub-IB's clients.
        public let override: [Total]
    }

    /// The partner's subtree at `now` (depth-first, children by name), each with `period`'s volume and override.
    public static func network(partner: UUID, period: PartnerPeriod, now: Date, in tx: TenantTransaction) async throws -> [SubIB] {
        var nodes: [(id: UUID, parent: UUID, depth: Int, name: String)] = []
        for try await (id, parent, depth, name) in try await tx.query("""
            WITH RECURSIVE cur AS (
                SELECT DISTINCT ON (partner_id) partner_id, parent_id FROM partner_parents
                WHERE effective_from <= \(now) ORDER BY partner_id, effective_from DESC
            ), tree(id, parent_id, depth, path) AS (
                SELECT c.partner_id, c.parent_id, 1, ARRAY[u.name || c.partner_id::text]
                FROM cur c JOIN partners p ON p.id = c.partner_id JOIN users u ON u.id = p.user_id WHERE c.parent_id = \(partner)
                UNION ALL
                SELECT c.partner_id, c.parent_id, t.depth + 1, t.path || (u.name || c.partner_id::text)
                FROM cur c JOIN tree t ON c.parent_id = t.id JOIN partners p ON p.id = c.partner_id JOIN users u ON u.id = p.user_id
                WHERE t.depth < 100
            )
            SELECT t.id, t.parent_id, t.depth, u.name FROM tree t JOIN partners p ON p.id = t.id JOIN users u ON u.id = p.user_id
            ORDER BY t.path
            """).decode((UUID, UUID, Int, String).self) {
            nodes.append((id, parent, depth, name))
        }
        guard !nodes.isEmpty else { return [] }
        // The override through a sub-IB: the viewer's lines above level 1 whose client belonged
        // to that sub-IB at the deal's time.
        var overrides: [UUID: [Total]] = [:]
        for try await (owner, currency, minor) in try await tx.query("""
            SELECT own.partner_id, l.currency, sum(l.amount)::bigint
            FROM commission_lines l
            JOIN LATERAL (SELECT a.partner_id FROM client_attributions a WHERE a.client_id = l.client_id AND a.effective_from <= l.deal_time
                          ORDER BY a.effective_from DESC LIMIT 1) own ON true
            WHERE l.partner_id = \(partner) AND l.level > 1 AND l.status IN ('pending', 'settled')
              AND l.deal_time >= \(period.start) AND l.deal_time < \(period.end)
            GROUP BY own.partner_id, l.currency ORDER BY l.currency
            """).decode((UUID, String, Int64).self) {
            overrides[owner, default: []].append(Total(currency: currency, minor: minor))
        }
        // Each sub-IB's volume in one query (a deep tree would otherwise cost a query per node).
        var lots: [UUID: Int64] = [:]
        for try await (id, ext) in try await tx.query("""
            SELECT partner_id, sum(CASE WHEN kind = 'reversal' THEN -abs(lots) ELSE lots END)::bigint FROM (
                SELECT partner_id, kind, max(lots_ext) AS lots FROM commission_lines
                WHERE partner_id = ANY(\(nodes.map(\.id))) AND level = 1 AND kind IN ('accrual', 'reversal')
                  AND deal_time >= \(period.start) AND deal_time < \(period.end)
                GROUP BY partner_id, connection_id, deal, deal_revision, kind
            ) d GROUP BY partner_id
            """).decode((UUID, Int64).self) {
            lots[id] = ext
        }
        return nodes.map { node in
            SubIB(id: node.id, parentID: node.parent, depth: node.depth, name: node.name, lotsExt: lots[node.id] ?? 0, override: overrides[node.id] ?? [])
        }
    }

    // MARK: Statements

    /// One commission line, traceable to its deal and plan version.
    public struct Line: Sendable, Equatable {
        public let id: Int64
        public let dealTime: Date
        public let connectionID: String
        public let deal: Int64
        public let dealRevision: Int
        public let symbol: String
        public let lotsExt: Int64
        public let rate: String
        public let level: Int
        public let component: String
        public let kind: String
        public let plan: String
        public let planVersion: Int
        public let amount: Int64
        public let currency: String
        public let status: String
        public let excluded: String?
    }

    /// Every line of `partner` with a deal time in `period`, oldest first.
    public static func statement(partner: UUID, period: PartnerPeriod, in tx: TenantTransaction) async throws -> [Line] {
        var out: [Line] = []
        let rows = try await tx.query("""
            SELECT l.id, l.deal_time, l.connection_id, l.deal, l.deal_revision, l.symbol, l.lots_ext, l.rate, l.level, l.component, l.kind,
                   cp.name, v.version, l.amount, l.currency, l.status, l.excluded
            FROM commission_lines l
            JOIN commission_plan_versions v ON v.id = l.plan_version_id
            JOIN commission_plans cp ON cp.id = v.plan_id
            WHERE l.partner_id = \(partner) AND l.deal_time >= \(period.start) AND l.deal_time < \(period.end)
            ORDER BY l.deal_time, l.id
            """)
        for try await row in rows {
            // Seventeen columns: more than a tuple decode takes, so by position.
            let c = row.makeRandomAccess()
            let id = try c[0].decode(Int64.self), time = try c[1].decode(Date.self), connection = try c[2].decode(String.self)
            let deal = try c[3].decode(Int64.self), revision = try c[4].decode(Int.self), symbol = try c[5].decode(String.self)
            let lots = try c[6].decode(Int64.self), rate = try c[7].decode(String.self), level = try c[8].decode(Int.self)
            let component = try c[9].decode(String.self), kind = try c[10].decode(String.self)
            let plan = try c[11].decode(String.self), version = try c[12].decode(Int.self), amount = try c[13].decode(Int64.self)
            let currency = try c[14].decode(String.self), status = try c[15].decode(String.self), excluded = try c[16].decode(String?.self)
            out.append(Line(id: id, dealTime: time, connectionID: connection, deal: deal, dealRevision: revision, symbol: symbol, lotsExt: lots,
                            rate: rate, level: level, component: component, kind: kind, plan: plan, planVersion: version,
                            amount: amount, currency: currency, status: status, excluded: excluded))
        }
        return out
    }

    /// Sums of `lines` by currency (every status; excluded lines are 0).
    public static func totals(_ lines: [Line]) -> [Total] {
        Dictionary(grouping: lines, by: \.currency).map { Total(currency: $0.key, minor: $0.value.reduce(0) { $0 + $1.amount }) }
            .sorted { $0.currency < $1.currency }
    }

    /// The statement as CSV (RFC 4180: every field quoted, quotes doubled, CRLF line ends);
    /// amounts and lots are exact decimal strings.
    public static func csv(_ lines: [Line]) -> String {
        let header = ["line", "deal_time", "connection", "deal", "deal_revision", "symbol", "lots", "rate", "level", "component", "kind",
                      "plan", "plan_version", "amount", "currency", "status", "excluded"]
        let iso = ISO8601DateFormatter()
        var out = header.map(csvField).joined(separator: ",") + "\r\n"
        for l in lines {
            let fields = ["\(l.id)", iso.string(from: l.dealTime), l.connectionID, "\(l.deal)", "\(l.dealRevision)", l.symbol,
                          PartnerFigures.lots(l.lotsExt), l.rate, "\(l.level)", l.component, l.kind, l.plan, "\(l.planVersion)",
                          PartnerFigures.amount(l.amount, currency: l.currency), l.currency, l.status, l.excluded ?? ""]
            out += fields.map(csvField).joined(separator: ",") + "\r\n"
        }
        return out
    }

    static func csvField(_ value: String) -> String {
        // A leading = + - @ would be a formula in a spreadsheet; a quote-prefixed apostrophe
        // keeps it text (numbers are written without a sign prefix problem: "-1.00" stays a number).
        var v = value
        if let first = v.first, "=+@\t\r".contains(first) { v = "'" + v }
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: Payouts

    /// One settlement of the IB's commissions.
    public struct Payout: Sendable, Equatable {
        public let id: UUID
        public let periodStart: String
        public let periodEnd: String
        public let currency: String
        public let amount: Int64
        public let lines: Int
        public let status: String
        public let postedAt: Date?
    }

    /// The partner's settlements, newest period first.
    public static func payouts(partner: UUID, in tx: TenantTransaction) async throws -> [Payout] {
        var out: [Payout] = []
        for try await (id, start, end, currency, amount, lines, status, posted) in try await tx.query("""
            SELECT id, to_char(period_start, 'YYYY-MM-DD'), to_char(period_end, 'YYYY-MM-DD'), currency, amount, lines, status, posted_at
            FROM commission_settlements WHERE partner_id = \(partner) ORDER BY period_start DESC, currency
            """).decode((UUID, String, String, String, Int64, Int, String, Date?).self) {
            out.append(Payout(id: id, periodStart: start, periodEnd: end, currency: currency, amount: amount, lines: lines, status: status, postedAt: posted))
        }
        return out
    }
}
