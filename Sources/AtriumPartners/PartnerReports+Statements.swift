import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// Statements: every line of a month, traceable to its deal and plan version, and its CSV.
extension PartnerReports {
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
}
