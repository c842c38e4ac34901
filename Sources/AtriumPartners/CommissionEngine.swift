import AtriumBrandConfig
import AtriumStorage
import Foundation
import Logging
import PostgresNIO

/// Consumes `platform_deals` in `seq` order and writes commission lines. One batch is one
/// transaction that first locks the tenant's `commission_progress` row, so any number of workers
/// may run: they take turns, and each line is written once (the unique indexes and
/// `ON CONFLICT DO NOTHING` make even a replayed batch add nothing).
public struct CommissionEngine: Sendable {
    let tenantDB: TenantDB
    /// Deals per transaction.
    public var batchSize: Int

    public init(tenantDB: TenantDB, batchSize: Int = 500) {
        self.tenantDB = tenantDB
        self.batchSize = batchSize
    }

    /// What one batch did.
    public struct Pass: Sendable, Equatable {
        public var deals: Int
        public var linesWritten: Int
        public var lastSeq: Int64
        /// Whether fewer deals than a batch were waiting (nothing left right now).
        public var caughtUp: Bool
    }

    /// Consumes one batch of deals after the tenant's cursor.
    @discardableResult
    public func runOnce(tenant: TenantHandle, brand: TenantConfig) async throws -> Pass {
        try await tenantDB.transaction(tenant) { tx in
            let cursor = try await tx.query("SELECT last_seq FROM commission_progress WHERE id = 1 FOR UPDATE").collect().first?.decode(Int64.self) ?? 0
            var deals: [(deal: CommissionDeal, seq: Int64)] = []
            let rows = try await tx.query("""
                SELECT \(unescaped: CommissionSQL.dealColumns) FROM platform_deals WHERE seq > \(cursor) ORDER BY seq LIMIT \(batchSize)
                """)
            for try await row in rows { deals.append(try CommissionSQL.deal(from: row)) }
            var written = 0
            var cache = PlanCache()
            for (deal, _) in deals {
                written += try await Self.process(tx, deal: deal, brand: brand, cache: &cache)
            }
            let last = deals.last?.seq ?? cursor
            if last != cursor {
                try await tx.query("UPDATE commission_progress SET last_seq = \(last), updated_at = now() WHERE id = 1")
            }
            return Pass(deals: deals.count, linesWritten: written, lastSeq: last, caughtUp: deals.count < batchSize)
        }
    }

    /// Runs batches until none is left; returns the total.
    @discardableResult
    public func runUntilCaughtUp(tenant: TenantHandle, brand: TenantConfig) async throws -> Pass {
        var total = Pass(deals: 0, linesWritten: 0, lastSeq: 0, caughtUp: false)
        while true {
            let pass = try await runOnce(tenant: tenant, brand: brand)
            total.deals += pass.deals
            total.linesWritten += pass.linesWritten
            total.lastSeq = pass.lastSeq
            if pass.caughtUp { total.caughtUp = true; return total }
        }
    }

    /// Reverses what earlier revisions earned, then writes the current revision's lines.
    static func process(_ tx: TenantTransaction, deal: CommissionDeal, brand: TenantConfig, cache: inout PlanCache) async throws -> Int {
        var written = 0
        if deal.status == "cancelled" || deal.revision > 1 {
            written += try await CommissionLineStore.reverse(tx, connectionID: deal.connectionID, deal: deal.deal,
                                                             beforeRevision: deal.status == "cancelled" ? Int.max : deal.revision)
        }
        guard deal.status != "cancelled" else { return written }
        guard let resolved = try await CommissionResolver.resolve(tx, deal: deal, brand: brand, cache: &cache) else { return written }
        let lines = CommissionCalculator.lines(for: deal, context: resolved.context)
        written += try await CommissionLineStore.insert(tx, lines: lines, deal: deal, resolved: resolved, kind: "accrual")
        return written
    }
}

/// Plan bodies already decoded in this batch, by version id.
struct PlanCache {
    var plans: [UUID: CommissionPlan] = [:]
}
