import AtriumLedger
import AtriumStorage
import AtriumBrandConfig
import Foundation
import PostgresNIO

public struct PSPHealth: Sendable {
    public let psp: ResolvedPSP
    public let breaker: CircuitBreaker.State
    public let attempts: Int
    public let successes: Int
    public let averageLatencyMs: Int
    public let lastError: String
    /// Percent of successful calls in the last 24 hours, or nil without calls.
    public var successRate: Int? { attempts == 0 ? nil : successes * 100 / attempts }
}

/// One reference where the PSP's figure and the ledger's differ, with the payment it belongs to.
public struct ReconciliationLine: Sendable, Equatable {
    public let reference: String
    public let pspAmount: Int64?
    public let ledgerAmount: Int64?
    /// The payment's requested amount, currency, status and review reasons (nil when no payment has the reference).
    public let requestedAmount: Int64?
    public let currency: String?
    public let status: String?
    public let reviewReasons: [String]
}

public struct ReconciliationReport: Sendable {
    public let pspID: String
    /// Payments the PSP reported as collected (first verified success event per reference).
    public let pspCount: Int
    public let pspTotal: Int64
    /// Deposits booked from this PSP's clearing account.
    public let ledgerCount: Int
    public let ledgerTotal: Int64
    public let unprocessed: Int
    public let rejected: Int
    public let duplicates: Int
    public let mismatches: [ReconciliationLine]
}

extension Payments {
    public func health(tenant: TenantHandle, brand: TenantConfig) async throws -> [PSPHealth] {
        let stats = try await tenantDB.transaction(tenant) { tx in
            var out: [String: (Int, Int, Int, String)] = [:]
            for try await (psp, total, ok, latency, lastError) in try await tx.query("""
                SELECT psp_id, count(*)::int, count(*) FILTER (WHERE ok)::int, coalesce(avg(latency_ms), 0)::int,
                       coalesce((array_agg(error ORDER BY at DESC) FILTER (WHERE NOT ok))[1], '')
                FROM psp_attempts WHERE at > now() - interval '24 hours' GROUP BY psp_id
                """).decode((String, Int, Int, Int, String).self) {
                out[psp] = (total, ok, latency, lastError)
            }
            return out
        }
        return psps(brand).map { p in
            let s = stats[p.id] ?? (0, 0, 0, "")
            return PSPHealth(psp: p, breaker: breaker.state(tenant: tenant.id, psp: p.id), attempts: s.0, successes: s.1,
                             averageLatencyMs: s.2, lastError: s.3)
        }
    }

    /// Inbox versus ledger for one PSP: what the PSP said it collected against what was credited.
    public func reconciliation(tenant: TenantHandle, pspID: String) async throws -> ReconciliationReport {
        try await tenantDB.transaction(tenant) { tx in
            var lines: [ReconciliationLine] = []
            for try await (reference, pspAmount, ledgerAmount, requested, currency, status, reasons) in try await tx.query("""
                WITH said AS (
                    SELECT DISTINCT ON (reference) reference, amount FROM psp_inbox
                    WHERE psp_id = \(pspID) AND verified AND duplicate_of IS NULL AND event_kind = 'succeeded' ORDER BY reference, id
                ), booked AS (
                    SELECT t.reference, sum(t.amount)::bigint AS amount FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.debit_account_id
                    WHERE a.kind = 'psp_clearing' AND split_part(a.code, ':', 2) = \(pspID) AND t.code = 'deposit' GROUP BY t.reference
                ), manual AS (
                    SELECT reference FROM payments WHERE psp_id = \(pspID) AND psp_type = 'bank_wire'
                )
                SELECT coalesce(s.reference, b.reference), s.amount, b.amount, p.amount, p.currency, p.status, coalesce(p.review_reasons, '{}')
                FROM said s FULL JOIN booked b ON b.reference = s.reference
                LEFT JOIN payments p ON p.reference = coalesce(s.reference, b.reference)
                WHERE s.amount IS DISTINCT FROM b.amount AND coalesce(s.reference, b.reference) NOT IN (SELECT reference FROM manual)
                ORDER BY 1
                """).decode((String, Int64?, Int64?, Int64?, String?, String?, [String]).self) {
                lines.append(ReconciliationLine(reference: reference, pspAmount: pspAmount, ledgerAmount: ledgerAmount, requestedAmount: requested,
                                                currency: currency, status: status, reviewReasons: reasons))
            }
            let row = try await tx.query("""
                SELECT (SELECT count(DISTINCT reference)::int FROM psp_inbox WHERE psp_id = \(pspID) AND verified AND duplicate_of IS NULL AND event_kind = 'succeeded'),
                       (SELECT coalesce(sum(amount), 0)::bigint FROM (SELECT DISTINCT ON (reference) amount FROM psp_inbox
                            WHERE psp_id = \(pspID) AND verified AND duplicate_of IS NULL AND event_kind = 'succeeded' ORDER BY reference, id) x),
                       (SELECT count(*)::int FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.debit_account_id
                            WHERE a.kind = 'psp_clearing' AND split_part(a.code, ':', 2) = \(pspID) AND t.code = 'deposit'),
                       (SELECT coalesce(sum(t.amount), 0)::bigint FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.debit_account_id
                            WHERE a.kind = 'psp_clearing' AND split_part(a.code, ':', 2) = \(pspID) AND t.code = 'deposit'),
                       (SELECT count(*)::int FROM psp_inbox WHERE psp_id = \(pspID) AND verified AND processed_at IS NULL),
                       (SELECT count(*)::int FROM psp_inbox WHERE psp_id = \(pspID) AND NOT verified),
                       (SELECT count(*)::int FROM psp_inbox WHERE psp_id = \(pspID) AND duplicate_of IS NOT NULL)
                """).collect().first
            guard let row else { throw PaymentError.notFound }
            let (pc, pt, lc, lt, un, rj, dp) = try row.decode((Int, Int64, Int, Int64, Int, Int, Int).self)
            return ReconciliationReport(pspID: pspID, pspCount: pc, pspTotal: pt, ledgerCount: lc, ledgerTotal: lt, unprocessed: un,
                                        rejected: rj, duplicates: dp, mismatches: lines)
        }
    }

    /// A client's (trader's or IB's) wallets with their latest entries, for the Back Office ledger view.
    public func clientLedger(tenant: TenantHandle, client: UUID) async throws -> (email: String, wallets: [(LedgerAccount, [TransferRecord])])? {
        try await tenantDB.transaction(tenant) { tx in
            guard let email = try await tx.query("SELECT email FROM users WHERE id = \(client) AND audience IN ('trader', 'ib')").collect().first?.decode(String.self) else {
                return nil
            }
            var out: [(LedgerAccount, [TransferRecord])] = []
            for w in try await Ledger.wallets(owner: client, in: tx) {
                out.append((w, try await Ledger.entries(account: w.id, limit: 100, in: tx)))
            }
            return (email, out)
        }
    }
}
