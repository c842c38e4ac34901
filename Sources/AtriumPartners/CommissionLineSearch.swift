import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// One commission line as the Back Office search shows it, traced to its deal and plan version.
public struct CommissionLineRow: Sendable, Equatable {
    public let id: Int64
    public let connectionID: String
    public let deal: Int64
    public let dealRevision: Int
    public let dealTime: Date
    public let clientEmail: String
    public let partnerEmail: String
    public let level: Int
    public let component: String
    public let kind: String
    public let planName: String
    public let planVersion: Int
    public let symbol: String
    public let symbolGroup: String
    public let lotsExt: Int64
    public let rate: String
    public let fxRate: String
    public let amount: Int64
    public let currency: String
    public let excluded: String?
    public let status: String
}

/// Filters of the commission line search; nil or empty means "any".
public struct CommissionLineFilter: Sendable, Equatable {
    public var partnerEmail: String?
    public var clientEmail: String?
    public var deal: Int64?
    public var symbol: String?
    /// Deal time from (inclusive) and to (exclusive).
    public var from: Date?
    public var to: Date?
    public var status: String?
    public init(partnerEmail: String? = nil, clientEmail: String? = nil, deal: Int64? = nil, symbol: String? = nil,
                from: Date? = nil, to: Date? = nil, status: String? = nil) {
        self.partnerEmail = partnerEmail
        self.clientEmail = clientEmail
        self.deal = deal
        self.symbol = symbol
        self.from = from
        self.to = to
        self.status = status
    }
}

/// Commission line search with keyset pagination on the line id (newest first): a page is the
/// `limit` lines below `before`, so paging stays cheap and stable while new lines arrive.
public enum CommissionLineSearch {
    /// The statuses a line can have (the filter accepts only these).
    public static let statuses = ["pending", "excluded", "settled"]

    /// Up to `limit` lines matching `filter` with an id below `before`, and the id to pass for the
    /// next page (nil on the last page).
    public static func page(_ filter: CommissionLineFilter, before: Int64? = nil, limit: Int = 50,
                            in tx: TenantTransaction) async throws -> (lines: [CommissionLineRow], next: Int64?) {
        let limit = max(1, min(limit, 500))
        // Every filter is a bound parameter; a NULL one matches everything.
        let rows = try await tx.query("""
            SELECT l.id, l.connection_id, l.deal, l.deal_revision, l.deal_time, c.email, pu.email, l.level, l.component, l.kind,
                   cp.name, v.version, l.symbol, l.symbol_group, l.lots_ext, l.rate, l.fx_rate::text, l.amount, l.currency, l.excluded, l.status
            FROM commission_lines l
            JOIN users c ON c.id = l.client_id
            JOIN partners p ON p.id = l.partner_id JOIN users pu ON pu.id = p.user_id
            JOIN commission_plan_versions v ON v.id = l.plan_version_id JOIN commission_plans cp ON cp.id = v.plan_id
            WHERE (\(before)::bigint IS NULL OR l.id < \(before))
              AND (\(filter.partnerEmail)::text IS NULL OR lower(pu.email) = lower(\(filter.partnerEmail)))
              AND (\(filter.clientEmail)::text IS NULL OR lower(c.email) = lower(\(filter.clientEmail)))
              AND (\(filter.deal)::bigint IS NULL OR l.deal = \(filter.deal))
              AND (\(filter.symbol)::text IS NULL OR upper(l.symbol) = upper(\(filter.symbol)))
              AND (\(filter.from)::timestamptz IS NULL OR l.deal_time >= \(filter.from))
              AND (\(filter.to)::timestamptz IS NULL OR l.deal_time < \(filter.to))
              AND (\(filter.status)::text IS NULL OR l.status = \(filter.status))
            ORDER BY l.id DESC LIMIT \(limit + 1)
            """).collect()
        var lines: [CommissionLineRow] = []
        for row in rows.prefix(limit) {
            let r = row.makeRandomAccess()
            lines.append(CommissionLineRow(
                id: try r[0].decode(Int64.self), connectionID: try r[1].decode(String.self), deal: try r[2].decode(Int64.self),
                dealRevision: try r[3].decode(Int.self), dealTime: try r[4].decode(Date.self), clientEmail: try r[5].decode(String.self),
                partnerEmail: try r[6].decode(String.self), level: try r[7].decode(Int.self), component: try r[8].decode(String.self),
                kind: try r[9].decode(String.self), planName: try r[10].decode(String.self), planVersion: try r[11].decode(Int.self),
                symbol: try r[12].decode(String.self), symbolGroup: try r[13].decode(String.self), lotsExt: try r[14].decode(Int64.self),
                rate: try r[15].decode(String.self), fxRate: try r[16].decode(String.self), amount: try r[17].decode(Int64.self),
                currency: try r[18].decode(String.self), excluded: try r[19].decode(String?.self), status: try r[20].decode(String.self)))
        }
        return (lines, rows.count > limit ? lines.last?.id : nil)
    }
}
