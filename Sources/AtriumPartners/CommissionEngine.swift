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
            let written = try await Self.process(tx, deals: deals.map(\.deal), brand: brand)
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

    /// Processes a batch in seq order with a fixed number of round trips: its accounts,
    /// attributions, plan versions, chains and rates are loaded set-wise first, and its accrual
    /// lines are written with one multi-row INSERT. Pending lines are written before anything that
    /// reads commission_lines (a reversal, tier lots, CPA), so every deal sees what the deals
    /// before it wrote, as when they were processed one by one.
    static func process(_ tx: TenantTransaction, deals: [CommissionDeal], brand: TenantConfig) async throws -> Int {
        let batch = try await CommissionBatchContext.load(tx, deals: deals, brand: brand)
        var pending = PendingCommissionLines()
        var written = 0
        for (i, deal) in deals.enumerated() {
            if deal.status == "cancelled" || deal.revision > 1 {
                written += try await pending.flush(tx)
                written += try await CommissionLineStore.reverse(tx, connectionID: deal.connectionID, deal: deal.deal,
                                                                 beforeRevision: deal.status == "cancelled" ? Int.max : deal.revision)
            }
            guard deal.status != "cancelled" else { continue }
            guard let resolved = try await batch.resolve(tx, index: i, deal: deal, brand: brand,
                                                         flush: { written += try await pending.flush(tx) }) else { continue }
            pending.append(CommissionCalculator.lines(for: deal, context: resolved.context), deal: deal, resolved: resolved)
        }
        written += try await pending.flush(tx)
        return written
    }
}

/// Plan bodies already decoded in this batch, by version id.
struct PlanCache {
    var plans: [UUID: CommissionPlan] = [:]
}
