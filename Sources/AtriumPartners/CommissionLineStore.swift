import AtriumStorage
import Foundation
import PostgresNIO

/// Writes commission lines. Lines are only ever inserted (`ON CONFLICT DO NOTHING` against the
/// unique indexes of 0016); a correction is a reversal or an adjustment line, never an update.
enum CommissionLineStore {
    /// Inserts `lines` for `deal`; returns how many were new.
    static func insert(_ tx: TenantTransaction, lines: [CommissionLineDraft], deal: CommissionDeal, resolved: ResolvedDeal,
                       kind: String, corrects: [Int64?]? = nil, runID: UUID? = nil) async throws -> Int {
        var written = 0
        let group = resolved.context.symbolGroup ?? ""
        for (i, l) in lines.enumerated() {
            let status = l.excluded == nil ? "pending" : "excluded"
            let corrected = corrects?[i] ?? nil
            let rows = try await tx.query("""
                INSERT INTO commission_lines (connection_id, deal, deal_revision, deal_time, client_id, account_id, partner_id, level,
                    component, kind, plan_version_id, symbol, symbol_group, lots_ext, rate, base_amount, base_currency, fx_rate, amount,
                    currency, excluded, status, corrects, run_id)
                VALUES (\(deal.connectionID), \(deal.deal), \(deal.revision), to_timestamp(0) + \(deal.timeMsc) * interval '1 millisecond',
                    \(resolved.client), \(resolved.account), \(l.partnerID), \(l.level), \(l.component.rawValue), \(kind),
                    \(resolved.context.planVersionID), \(deal.symbol), \(group), \(l.lotsExt), \(l.rate), \(l.baseAmount), \(l.baseCurrency),
                    \(l.fxRate)::numeric, \(l.amount), \(l.currency), \(l.excluded?.rawValue), \(status), \(corrected), \(runID))
                ON CONFLICT DO NOTHING
                RETURNING id
                """).collect()
            written += rows.count
        }
        return written
    }

    /// Writes a reversal for every accrual of `deal` with revision below `beforeRevision` that has
    /// none yet: minus the accrual and the adjustments of the same key. CPA is never reversed
    /// (paid once per client, ever; see docs/COMMISSIONS.md).
    static func reverse(_ tx: TenantTransaction, connectionID: String, deal: Int64, beforeRevision: Int) async throws -> Int {
        let rows = try await tx.query("""
            INSERT INTO commission_lines (connection_id, deal, deal_revision, deal_time, client_id, account_id, partner_id, level,
                component, kind, plan_version_id, symbol, symbol_group, lots_ext, rate, base_amount, base_currency, fx_rate, amount,
                currency, excluded, status, corrects)
            SELECT a.connection_id, a.deal, a.deal_revision, a.deal_time, a.client_id, a.account_id, a.partner_id, a.level,
                   a.component, 'reversal', a.plan_version_id, a.symbol, a.symbol_group, -a.lots_ext, a.rate, a.base_amount,
                   a.base_currency, a.fx_rate, -(a.amount + adj.total), a.currency, NULL, 'pending', a.id
            FROM commission_lines a
            CROSS JOIN LATERAL (
                SELECT coalesce(sum(x.amount), 0)::bigint AS total FROM commission_lines x
                WHERE x.connection_id = a.connection_id AND x.deal = a.deal AND x.deal_revision = a.deal_revision
                  AND x.partner_id = a.partner_id AND x.level = a.level AND x.component = a.component AND x.kind = 'adjustment') adj
            WHERE a.connection_id = \(connectionID) AND a.deal = \(deal) AND a.kind = 'accrual' AND a.component <> 'cpa'
              AND a.deal_revision < \(beforeRevision) AND (a.excluded IS NULL OR adj.total <> 0)
            ORDER BY a.id
            ON CONFLICT DO NOTHING
            RETURNING id
            """).collect()
        return rows.count
    }
}
