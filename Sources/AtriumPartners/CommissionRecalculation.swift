import AtriumBrandConfig
import AtriumStorage
import Foundation
import PostgresNIO

/// The difference between what the lines of one deal hold and what today's data computes.
public struct CommissionDifference: Sendable, Equatable, Codable {
    public var connectionID: String
    public var deal: Int64
    public var partnerID: UUID
    public var level: Int
    public var component: CommissionComponent
    public var currency: String
    /// Sum of every existing line (accruals, reversals, adjustments) of this key.
    public var existing: Int64
    /// What the deal's current revision computes now.
    public var recomputed: Int64
    public var difference: Int64 { recomputed - existing }
}

/// What a recalculation found, and what it wrote.
public struct RecalculationResult: Sendable, Equatable {
    /// The run id on the written adjustment lines (nil for a dry run).
    public var runID: UUID?
    public var deals: Int
    public var differences: [CommissionDifference]
    public var linesWritten: Int
}

extension CommissionEngine {
    /// Recomputes the lines of the deals in `[from, to)` that the engine has consumed, under the
    /// data as it is now (attribution, hierarchy, plan assignment, FX rates), and compares per
    /// (deal, IB, level, component, currency) with the sum of the existing lines. With `write`,
    /// each difference becomes an 'adjustment' line carrying `run_id` (or the missing accrual
    /// when the key has no line at all); no line is ever changed. CPA is not recalculated: it is
    /// paid once per client, ever.
    public func recalculate(tenant: TenantHandle, brand: TenantConfig, from: Date, to: Date, write: Bool) async throws -> RecalculationResult {
        let (fromMsc, toMsc) = (Self.msc(from), Self.msc(to))
        let runID = write ? UUID() : nil
        return try await tenantDB.transaction(tenant) { tx in
            // Taken like a batch of the engine: a recalculation never interleaves with one.
            let cursor = try await tx.query("SELECT last_seq FROM commission_progress WHERE id = 1 FOR UPDATE").collect().first?.decode(Int64.self) ?? 0
            var deals: [CommissionDeal] = []
            let rows = try await tx.query("""
                SELECT \(unescaped: CommissionSQL.dealColumns) FROM platform_deals
                WHERE time_msc >= \(fromMsc) AND time_msc < \(toMsc) AND seq <= \(cursor) AND status <> 'cancelled' ORDER BY time_msc, deal
                """)
            for try await row in rows { deals.append(try CommissionSQL.deal(from: row).deal) }
            var result = RecalculationResult(runID: runID, deals: deals.count, differences: [], linesWritten: 0)
            var cache = PlanCache()
            for deal in deals {
                let resolved = try await CommissionResolver.resolve(tx, deal: deal, brand: brand, cache: &cache)
                var expected: [LineKey: CommissionLineDraft] = [:]
                if var r = resolved {
                    r.context.cpaQualified = false
                    for l in CommissionCalculator.lines(for: deal, context: r.context) {
                        expected[LineKey(partner: l.partnerID, level: l.level, component: l.component, currency: l.currency)] = l
                    }
                }
                let existing = try await Self.existingSums(tx, deal: deal)
                for key in Set(expected.keys).union(existing.keys).sorted() {
                    let now = existing[key]
                    let diff = CommissionDifference(connectionID: deal.connectionID, deal: deal.deal, partnerID: key.partner, level: key.level,
                                                    component: key.component, currency: key.currency, existing: now?.sum ?? 0,
                                                    recomputed: expected[key]?.amount ?? 0)
                    guard diff.difference != 0 else { continue }
                    result.differences.append(diff)
                    guard let runID else { continue }
                    result.linesWritten += try await Self.writeAdjustment(tx, deal: deal, key: key, diff: diff, expected: expected[key],
                                                                          existing: now, resolved: resolved, runID: runID)
                }
            }
            return result
        }
    }

    struct LineKey: Hashable, Comparable {
        var partner: UUID
        var level: Int
        var component: CommissionComponent
        var currency: String
        static func < (a: LineKey, b: LineKey) -> Bool {
            (a.partner.uuidString, a.level, a.component.rawValue, a.currency) < (b.partner.uuidString, b.level, b.component.rawValue, b.currency)
        }
    }

    struct ExistingKey: Sendable {
        var sum: Int64
        /// The latest accrual of the deal's current revision, if any; else the latest line of the key.
        var anchor: Int64
        var anchorIsCurrentAccrual: Bool
        var planVersion: UUID
        var symbolGroup: String
        var client: UUID
        var account: UUID?
    }

    static func existingSums(_ tx: TenantTransaction, deal: CommissionDeal) async throws -> [LineKey: ExistingKey] {
        var out: [LineKey: ExistingKey] = [:]
        let rows = try await tx.query("""
            SELECT partner_id, level, component, currency, sum(amount)::bigint,
                   (array_agg(id ORDER BY (kind = 'accrual' AND deal_revision = \(deal.revision)) DESC, id DESC))[1],
                   bool_or(kind = 'accrual' AND deal_revision = \(deal.revision)),
                   (array_agg(plan_version_id ORDER BY id DESC))[1], (array_agg(symbol_group ORDER BY id DESC))[1],
                   (array_agg(client_id ORDER BY id DESC))[1], (array_agg(account_id ORDER BY id DESC))[1]
            FROM commission_lines WHERE connection_id = \(deal.connectionID) AND deal = \(deal.deal) AND component <> 'cpa'
            GROUP BY partner_id, level, component, currency
            """)
        for try await (p, level, c, cur, sum, anchor, current, plan, group, client, account) in
            rows.decode((UUID, Int, String, String, Int64, Int64, Bool, UUID, String, UUID, UUID?).self) {
            guard let component = CommissionComponent(rawValue: c) else { continue }
            out[LineKey(partner: p, level: level, component: component, currency: cur)] =
                ExistingKey(sum: sum, anchor: anchor, anchorIsCurrentAccrual: current, planVersion: plan, symbolGroup: group, client: client, account: account)
        }
        return out
    }

    /// One adjustment (or the missing accrual) for a key whose lines differ from today's computation.
    static func writeAdjustment(_ tx: TenantTransaction, deal: CommissionDeal, key: LineKey, diff: CommissionDifference, expected: CommissionLineDraft?,
                                existing: ExistingKey?, resolved: ResolvedDeal?, runID: UUID) async throws -> Int {
        if existing == nil, let expected, let resolved {
            // Nothing was ever written for this key (e.g. an attribution recorded late): the accrual itself is missing.
            return try await CommissionLineStore.insert(tx, lines: [expected], deal: deal, resolved: resolved, kind: "accrual")
        }
        guard let existing else { return 0 }
        let rate = expected.map { "adjustment to \($0.rate)" } ?? "adjustment: no longer earned"
        let rows = try await tx.query("""
            INSERT INTO commission_lines (connection_id, deal, deal_revision, deal_time, client_id, account_id, partner_id, level,
                component, kind, plan_version_id, symbol, symbol_group, lots_ext, rate, base_amount, base_currency, fx_rate, amount,
                currency, excluded, status, corrects, run_id)
            VALUES (\(deal.connectionID), \(deal.deal), \(deal.revision), to_timestamp(0) + \(deal.timeMsc) * interval '1 millisecond',
                \(resolved?.client ?? existing.client), \(resolved?.account ?? existing.account), \(key.partner), \(key.level),
                \(key.component.rawValue), 'adjustment', \(resolved?.context.planVersionID ?? existing.planVersion), \(deal.symbol),
                \(resolved?.context.symbolGroup ?? existing.symbolGroup), 0, \(rate), \(expected?.baseAmount ?? 0),
                \(expected?.baseCurrency ?? key.currency), \(expected?.fxRate ?? "1")::numeric, \(diff.difference), \(key.currency), NULL, 'pending',
                \(existing.anchor), \(runID))
            RETURNING id
            """).collect()
        return rows.count
    }
}
