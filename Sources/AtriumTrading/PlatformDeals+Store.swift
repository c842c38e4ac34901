import AtriumStorage
import Foundation
import PostgresNIO

/// Writes of `platform_deals`, inside the sync chunk's transaction.
enum PlatformDeals {
    /// What one write did.
    struct Outcome: Equatable {
        var inserted = 0
        var corrected = 0
    }

    /// Inserts new deals and records corrections: a deal already stored whose volume, commission
    /// or profit differs becomes status `corrected`, revision + 1, with a new `seq` (so the
    /// commission job reads it again); an identical one is left alone. A deal on a login no
    /// account maps gets `ClosedTrade.unknownCurrency`, as in `trading_deals`.
    static func store(_ deals: [PlatformDeal], connectionID: String, batch: Int = 5_000, in tx: TenantTransaction) async throws -> Outcome {
        var outcome = Outcome()
        // One statement may not touch a row twice (ON CONFLICT DO UPDATE): keep a deal's last copy.
        var unique: [Int64: PlatformDeal] = [:]
        for d in deals { unique[d.deal] = d }
        let sorted = unique.values.sorted { $0.deal < $1.deal }
        var start = 0
        while start < sorted.count {
            let d = Array(sorted[start..<min(sorted.count, start + max(1, batch))])
            start += d.count
            let rows = try await tx.query("""
                INSERT INTO platform_deals AS p (connection_id, deal, login, account_id, position_id, entry, side, symbol, volume_ext, closed_volume_ext,
                                                 price, profit, commission, currency, time_msc)
                SELECT \(connectionID), d.deal, d.login, a.id, d.position, d.entry, d.side, d.symbol, d.volume_ext, d.closed, d.price, d.profit,
                       d.commission, COALESCE(a.currency, d.currency), d.time_msc
                FROM unnest(\(d.map(\.deal)), \(d.map(\.login)), \(d.map(\.positionID)), \(d.map(\.entry.rawValue)), \(d.map(\.side.rawValue)),
                            \(d.map(\.symbol)), \(d.map(\.volumeExt)), \(d.map(\.closedVolumeExt)), \(d.map(\.price)), \(d.map(\.profit)),
                            \(d.map(\.commission)), \(d.map(\.currency)), \(d.map(\.timeMsc)))
                     AS d(deal, login, position, entry, side, symbol, volume_ext, closed, price, profit, commission, currency, time_msc)
                LEFT JOIN trading_accounts a ON a.connection_id = \(connectionID) AND a.login = d.login
                LEFT JOIN platform_deals o ON o.connection_id = \(connectionID) AND o.deal = d.deal
                -- identical deals (the overlap window, a rerun) are skipped here, so their rows are not even locked
                WHERE o.deal IS NULL OR (o.volume_ext, o.commission, o.profit) IS DISTINCT FROM (d.volume_ext, d.commission, d.profit)
                ON CONFLICT (connection_id, deal) DO UPDATE
                    SET volume_ext = EXCLUDED.volume_ext, closed_volume_ext = EXCLUDED.closed_volume_ext, profit = EXCLUDED.profit,
                        commission = EXCLUDED.commission, status = 'corrected', revision = p.revision + 1,
                        seq = nextval('platform_deals_seq'), synced_at = now()
                    WHERE (p.volume_ext, p.commission, p.profit) IS DISTINCT FROM (EXCLUDED.volume_ext, EXCLUDED.commission, EXCLUDED.profit)
                RETURNING p.revision = 1
                """).decode(Bool.self)
            for try await isNew in rows {
                if isNew { outcome.inserted += 1 } else { outcome.corrected += 1 }
            }
        }
        return outcome
    }
}
