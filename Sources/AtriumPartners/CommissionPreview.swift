import AtriumBrandConfig
import AtriumStorage
import Foundation
import PostgresNIO

/// What a draft plan would have paid, per IB, component and currency, next to what was paid.
public struct PlanPreview: Sendable, Equatable, Codable {
    /// One IB's figures for one component in one currency.
    public struct Row: Sendable, Equatable, Codable {
        public var partnerID: UUID
        public var component: CommissionComponent
        public var currency: String
        /// Minor units the draft would have paid.
        public var draftAmount: Int64
        /// Minor units the existing lines of the same deals hold now (accruals, reversals, adjustments).
        public var currentAmount: Int64
        /// 1/100,000,000 lot the draft's lines pay on.
        public var draftLotsExt: Int64
        public var difference: Int64 { draftAmount - currentAmount }
    }

    public var rows: [Row]
    /// Deals of the window the draft was applied to.
    public var deals: Int
}

extension CommissionEngine {
    /// What the deals of `[from, to)` would have paid under `draft` (nothing is written). With a
    /// `partner`, only deals whose client belonged to that IB (level 1) at the deal's time; without
    /// one, every attributed deal, as if every IB were on the draft. The chain, FX rates, hold times
    /// and tier state are today's records at each deal's time, as the engine would read them.
    public func preview(tenant: TenantHandle, brand: TenantConfig, draft: CommissionPlan, partner: UUID?, from: Date, to: Date) async throws -> PlanPreview {
        let (fromMsc, toMsc) = (Self.msc(from), Self.msc(to))
        return try await tenantDB.transaction(tenant) { tx in
            var deals: [CommissionDeal] = []
            let rows = try await tx.query("""
                SELECT \(unescaped: CommissionSQL.dealColumns) FROM platform_deals
                WHERE time_msc >= \(fromMsc) AND time_msc < \(toMsc) AND status <> 'cancelled' ORDER BY time_msc, deal
                """)
            for try await row in rows { deals.append(try CommissionSQL.deal(from: row).deal) }
            var draftTotals: [Key: (amount: Int64, lots: Int64)] = [:]
            var current: [Key: Int64] = [:]
            var cpaClients: Set<UUID> = []
            var cache = PlanCache()
            var applied = 0
            let draftID = UUID()
            for deal in deals {
                guard var resolved = try await CommissionResolver.resolve(tx, deal: deal, brand: brand, cache: &cache,
                                                                         planOverride: (draftID, draft), partnerFilter: partner) else { continue }
                applied += 1
                // Without writes, a client would qualify again on every later deal: count the first only.
                if resolved.context.cpaQualified { resolved.context.cpaQualified = cpaClients.insert(resolved.client).inserted }
                for l in CommissionCalculator.lines(for: deal, context: resolved.context) {
                    let k = Key(partner: l.partnerID, component: l.component, currency: l.currency)
                    draftTotals[k, default: (0, 0)].amount += l.amount
                    if l.excluded == nil { draftTotals[k, default: (0, 0)].lots += l.lotsExt }
                }
                let existing = try await tx.query("""
                    SELECT partner_id, component, currency, coalesce(sum(amount), 0)::bigint FROM commission_lines
                    WHERE connection_id = \(deal.connectionID) AND deal = \(deal.deal) GROUP BY partner_id, component, currency
                    """)
                for try await (p, c, cur, sum) in existing.decode((UUID, String, String, Int64).self) {
                    guard let component = CommissionComponent(rawValue: c) else { continue }
                    current[Key(partner: p, component: component, currency: cur), default: 0] += sum
                }
            }
            let keys = Set(draftTotals.keys).union(current.keys).sorted()
            let out = keys.map { k in
                PlanPreview.Row(partnerID: k.partner, component: k.component, currency: k.currency, draftAmount: draftTotals[k]?.amount ?? 0,
                                currentAmount: current[k] ?? 0, draftLotsExt: draftTotals[k]?.lots ?? 0)
            }
            return PlanPreview(rows: out, deals: applied)
        }
    }

    struct Key: Hashable, Comparable {
        var partner: UUID
        var component: CommissionComponent
        var currency: String
        static func < (a: Key, b: Key) -> Bool {
            (a.partner.uuidString, a.component.rawValue, a.currency) < (b.partner.uuidString, b.component.rawValue, b.currency)
        }
    }

    /// Milliseconds since the epoch (whole milliseconds; a window bound needs no finer).
    static func msc(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
}
