import AtriumLedger
import AtriumStorage
import Foundation
import PostgresNIO

/// Small queries the commission engine, recalculation and preview share. Times are passed as
/// milliseconds and turned into timestamptz in SQL with integer arithmetic (no float rounding).
enum CommissionSQL {
    /// Columns of `platform_deals` in the order `deal(from:)` decodes them.
    static let dealColumns = """
        connection_id, deal, revision, status, login, account_id, position_id, entry, symbol, volume_ext, closed_volume_ext,
        commission, currency, time_msc, seq
        """

    static func deal(from row: PostgresRow) throws -> (deal: CommissionDeal, seq: Int64) {
        let (conn, ticket, revision, status, login, account, position, entry, symbol, volume, closed, commission, currency, time, seq) =
            try row.decode((String, Int64, Int, String, String, UUID?, Int64, String, String, Int64, Int64, Int64, String, Int64, Int64).self)
        let e = CommissionDeal.Entry(rawValue: entry) ?? .in
        let d = CommissionDeal(connectionID: conn, deal: ticket, revision: revision, status: status, login: login, accountID: account,
                               positionID: position, entry: e, symbol: symbol, volumeExt: volume, closedVolumeExt: closed,
                               commission: commission, currency: currency, timeMsc: time)
        return (d, seq)
    }

    /// The client (user) and account type behind a deal's account; nil for an unmapped login.
    static func client(_ tx: TenantTransaction, deal: CommissionDeal) async throws -> (client: UUID, account: UUID, accountType: String)? {
        let rows = try await tx.query("""
            SELECT user_id, id, account_type FROM trading_accounts
            WHERE (id = \(deal.accountID)) OR (\(deal.accountID)::uuid IS NULL AND connection_id = \(deal.connectionID) AND login = \(deal.login))
            LIMIT 1
            """).collect()
        guard let row = rows.first else { return nil }
        let (u, a, t) = try row.decode((UUID, UUID, String).self)
        return (u, a, t)
    }

    /// The client's IB at `atMsc` (client_attributions), or nil.
    static func attribution(_ tx: TenantTransaction, client: UUID, atMsc: Int64) async throws -> UUID? {
        try await tx.query("""
            SELECT partner_id FROM client_attributions
            WHERE client_id = \(client) AND effective_from <= to_timestamp(0) + \(atMsc) * interval '1 millisecond'
            ORDER BY effective_from DESC LIMIT 1
            """).collect().first?.decode(UUID.self)
    }

    /// The published plan version of `partner`'s plan in force at `atMsc`.
    static func planVersion(_ tx: TenantTransaction, partner: UUID, atMsc: Int64) async throws -> (id: UUID, plan: CommissionPlan)? {
        let rows = try await tx.query("""
            WITH at AS (SELECT to_timestamp(0) + \(atMsc) * interval '1 millisecond' AS t),
                 assigned AS (SELECT plan_id FROM partner_plans, at WHERE partner_id = \(partner) AND effective_from <= at.t
                              ORDER BY effective_from DESC LIMIT 1)
            SELECT v.id, v.body::text FROM commission_plan_versions v, assigned, at
            WHERE v.plan_id = assigned.plan_id AND v.status = 'published' AND v.effective_from <= at.t
            ORDER BY v.effective_from DESC LIMIT 1
            """).collect()
        guard let row = rows.first else { return nil }
        let (id, body) = try row.decode((UUID, String).self)
        return (id, try JSONDecoder().decode(CommissionPlan.self, from: Data(body.utf8)))
    }

    /// The chain above `partner` at `atMsc`, with wallet currencies and whether `client` is the IB's own trader account.
    static func chain(_ tx: TenantTransaction, partner: UUID, client: UUID, atMsc: Int64, levels: Int) async throws -> [ChainMember] {
        var out: [ChainMember] = []
        let rows = try await tx.query("""
            SELECT c.level, c.partner_id, p.wallet_currency, (p.trader_id IS NOT DISTINCT FROM \(client) OR p.user_id = \(client))
            FROM partner_chain(\(partner), to_timestamp(0) + \(atMsc) * interval '1 millisecond', \(levels)::int) c
            JOIN partners p ON p.id = c.partner_id ORDER BY c.level
            """)
        for try await (level, id, currency, own) in rows.decode((Int, UUID, String, Bool).self) {
            out.append(ChainMember(level: level, partnerID: id, walletCurrency: currency, ownAccount: own))
        }
        return out
    }

    /// Latest rates with `as_of ≤ atMsc` for every pair base ∈ `bases`, quote ∈ `quotes`.
    static func rates(_ tx: TenantTransaction, bases: [String], quotes: [String], atMsc: Int64) async throws -> FXRates {
        var fx = FXRates()
        let rows = try await tx.query("""
            SELECT DISTINCT ON (base, quote) base, quote, rate::text FROM fx_rates
            WHERE base = ANY(\(bases)) AND quote = ANY(\(quotes)) AND as_of <= to_timestamp(0) + \(atMsc) * interval '1 millisecond'
            ORDER BY base, quote, as_of DESC
            """)
        for try await (base, quote, text) in rows.decode((String, String, String).self) {
            if let rate = try? ExchangeRate(trimmedDecimal(text)) { fx.set(base, quote, rate) }
        }
        return fx
    }

    /// `1.085000000000` → `1.085` (numeric(30,12) prints every decimal).
    static func trimmedDecimal(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var t = Substring(text)
        while t.hasSuffix("0") { t = t.dropLast() }
        if t.hasSuffix(".") { t = t.dropLast() }
        return String(t)
    }

    /// Opening time of the position (its first IN deal) and the first close after `afterMsc`.
    static func positionTimes(_ tx: TenantTransaction, deal: CommissionDeal) async throws -> (opened: Int64?, nextClose: Int64?) {
        let rows = try await tx.query("""
            SELECT (SELECT min(time_msc) FROM platform_deals WHERE connection_id = \(deal.connectionID) AND position_id = \(deal.positionID)
                      AND entry = 'in' AND status <> 'cancelled'),
                   (SELECT min(time_msc) FROM platform_deals WHERE connection_id = \(deal.connectionID) AND position_id = \(deal.positionID)
                      AND entry <> 'in' AND status <> 'cancelled' AND time_msc > \(deal.timeMsc))
            """).collect()
        guard let row = rows.first else { return (nil, nil) }
        let (o, c) = try row.decode((Int64?, Int64?).self)
        return (o, c)
    }

    /// Rebate lots of the level-1 IB in the calendar month before the deal's month (UTC).
    static func previousMonthLots(_ tx: TenantTransaction, partner: UUID, atMsc: Int64) async throws -> Int64 {
        try await tx.query("""
            WITH m AS (SELECT date_trunc('month', (to_timestamp(0) + \(atMsc) * interval '1 millisecond') AT TIME ZONE 'UTC') AS start)
            SELECT coalesce(sum(lots_ext), 0)::bigint FROM commission_lines, m
            WHERE partner_id = \(partner) AND level = 1 AND component = 'rebate' AND excluded IS NULL
              AND deal_time >= (m.start - interval '1 month') AT TIME ZONE 'UTC' AND deal_time < m.start AT TIME ZONE 'UTC'
            """).collect().first?.decode(Int64.self) ?? 0
    }
}
