import AtriumBrandConfig
import AtriumCore
import AtriumLedger
import AtriumStorage
import Foundation
import Logging
import PostgresNIO

/// Settlement failures, mapped to HTTP at the edge.
public enum SettlementError: Error, Equatable, UserFacingError, CustomStringConvertible {
    case notFound
    /// The settlement is not in a state that allows this (e.g. approving a posted one).
    case invalidState(String)
    case amountOverflow

    public var status: Int {
        switch self {
        case .notFound: 404
        case .invalidState: 409
        case .amountOverflow: 422
        }
    }

    public var publicMessage: String {
        switch self {
        case .notFound: "error_settlement_not_found"
        case .invalidState: "error_settlement_state"
        case .amountOverflow: "error_invalid_amount"
        }
    }

    public var description: String {
        switch self {
        case .notFound: "settlement not found"
        case .invalidState(let s): "settlement is \(s)"
        case .amountOverflow: "settlement total does not fit in 64 bits"
        }
    }
}

/// A settlement's state (`commission_settlements.status`).
public enum SettlementStatus: String, Sendable, CaseIterable {
    case awaitingApproval = "awaiting_approval"
    case approved
    case posted
    case rejected
}

/// One row of `commission_settlements`, with its IB.
public struct SettlementRecord: Sendable, Equatable {
    public let id: UUID
    public let partnerID: UUID
    public let partnerUserID: UUID
    public let partnerEmail: String
    public let partnerName: String
    public let periodStart: String
    public let periodEnd: String
    public let currency: Currency
    public let amount: Int64
    public let lines: Int
    public let status: SettlementStatus
    public let approvedBy: UUID?
    public let note: String
    public let ledgerTransferID: UUID?
    public let createdAt: Date
}

/// What one settlement run did.
public struct SettlementRunReport: Sendable, Equatable {
    /// Settlements created, by status after creation.
    public var created: [SettlementStatus: Int] = [:]
    /// Settlements posted to IB wallets in this run.
    public var posted = 0

    public init(created: [SettlementStatus: Int] = [:], posted: Int = 0) {
        self.created = created
        self.posted = posted
    }
}

/// Settles pending commission lines per (IB, period, currency) and posts approved totals to IB
/// wallets through the ledger. See docs/SETTLEMENT.md.
public struct CommissionSettlements: Sendable {
    public let tenantDB: TenantDB
    public let logger: Logger
    /// Test-only fault injection, called at `settlement-after-posting` (ledger transfer applied, the
    /// settlement not yet marked). Production passes one that exits the process when
    /// `ATRIUM_FAILPOINT` names the point; in-process tests pass one that throws.
    public let fault: @Sendable (String) throws -> Void

    public init(tenantDB: TenantDB, logger: Logger, fault: @escaping @Sendable (String) throws -> Void = { _ in }) {
        self.tenantDB = tenantDB
        self.logger = logger
        self.fault = fault
    }

    /// The house account every settlement debits.
    public static let expenseQualifier = "ib-commission"

    /// The ledger transfer id of a settlement: one per (IB, period, currency), so a repeat is a no-op.
    public static func transferID(partner: UUID, periodStart: String, currency: String) -> UUID {
        Ledger.transferID("ib-settlement", partner.uuidString.lowercased(), periodStart, currency)
    }

    /// Creates the settlements of every closed period as of `now`, then posts every approved one.
    @discardableResult
    public func run(tenant: TenantHandle, program: TenantConfig.PartnerProgram, now: Date = Date()) async throws -> SettlementRunReport {
        var report = SettlementRunReport()
        let frequency = SettlementFrequency(setting: program.resolvedSettlement)
        let current = SettlementPeriod(containing: now, frequency: frequency)
        let groups = try await tenantDB.transaction(tenant) { tx in
            try await tx.query("""
                SELECT DISTINCT partner_id, currency FROM commission_lines
                WHERE status = 'pending' AND settlement_id IS NULL AND excluded IS NULL AND deal_time < \(current.startDate)
                """).collect().map { try $0.decode((UUID, String).self) }
        }
        for (partner, currency) in groups {
            for status in try await create(tenant: tenant, partner: partner, currency: currency, frequency: frequency, before: current, program: program) {
                report.created[status, default: 0] += 1
            }
        }
        report.posted = try await postApproved(tenant: tenant)
        return report
    }

    /// Creates one IB's settlements in one currency, in one transaction with its lines locked.
    func create(tenant: TenantHandle, partner: UUID, currency: String, frequency: SettlementFrequency, before current: SettlementPeriod,
                program: TenantConfig.PartnerProgram) async throws -> [SettlementStatus] {
        try await tenantDB.transaction(tenant) { tx in
            // FOR UPDATE: a concurrent run waits here, then sees these lines taken and skips them.
            var lines: [SettlementLine] = []
            for try await (id, at, amount) in try await tx.query("""
                SELECT id, deal_time, amount FROM commission_lines
                WHERE partner_id = \(partner) AND currency = \(currency) AND status = 'pending' AND settlement_id IS NULL
                  AND excluded IS NULL AND deal_time < \(current.startDate)
                ORDER BY id FOR UPDATE
                """).decode((Int64, Date, Int64).self) {
                lines.append(SettlementLine(id: id, period: SettlementPeriod(containing: at, frequency: frequency), amount: amount))
            }
            let existing = Set(try await tx.query("""
                SELECT period_start::text FROM commission_settlements WHERE partner_id = \(partner) AND currency = \(currency)
                """).collect().map { try $0.decode(String.self) })
            let active = try await tx.query("SELECT status = 'active' FROM partners WHERE id = \(partner)").collect().first?.decode(Bool.self) ?? false
            let limit = program.autoApproveMaxMinor?[currency]
            var statuses: [SettlementStatus] = []
            for p in try SettlementPlanner.plan(lines: lines, existing: existing, lastClosed: current.previous(frequency)) {
                // A currency without a limit always waits for Finance; so does a suspended IB, and so does
                // commission earned on clients with open trading risk flags (the IB abuse check).
                let flagged = try await Self.flaggedClients(lines: p.lineIDs, in: tx)
                let auto = active && flagged == 0 && limit.map { p.amount <= $0 } == true
                let status: SettlementStatus = p.amount == 0 ? .posted : auto ? .approved : .awaitingApproval
                let held = "held for review: \(flagged) client\(flagged == 1 ? "" : "s") with open trading risk flags"
                let note = p.amount == 0 ? "nothing to pay: the lines net to zero"
                    : auto ? "approved automatically (at most \(limit ?? 0))" : flagged > 0 ? held : ""
                let id = UUID()
                try await tx.query("""
                    INSERT INTO commission_settlements (id, partner_id, period_start, period_end, currency, amount, lines, status, approved_at, note, posted_at)
                    VALUES (\(id), \(partner), \(p.period.start)::date, \(p.period.end)::date, \(currency), \(p.amount), \(p.lineIDs.count),
                            \(status.rawValue), CASE WHEN \(status != .awaitingApproval) THEN now() END, \(note),
                            CASE WHEN \(status == .posted) THEN now() END)
                    """)
                try await tx.query("""
                    UPDATE commission_lines SET settlement_id = \(id), status = CASE WHEN \(status == .posted) THEN 'settled' ELSE status END
                    WHERE id = ANY(\(p.lineIDs))
                    """)
                try await AuditLog.append(AuditEntry(actor: "system", action: "commission.settlement.created", subject: "settlement:\(id.uuidString.lowercased())",
                                                     after: try CanonicalJSON.object(["partner": partner.uuidString.lowercased(), "period": p.period.start,
                                                                                      "currency": currency, "amount": p.amount, "lines": p.lineIDs.count,
                                                                                      "status": status.rawValue])), in: tx)
                statuses.append(status)
            }
            return statuses
        }
    }

    /// How many distinct clients behind these commission lines carry an open trading risk flag
    /// (`risk_flags`, raised by the compliance risk checks).
    static func flaggedClients(lines: [Int64], in tx: TenantTransaction) async throws -> Int {
        try await tx.query("""
            SELECT count(DISTINCT f.client_id)::int FROM risk_flags f
            WHERE f.status = 'open' AND f.client_id IN (SELECT client_id FROM commission_lines WHERE id = ANY(\(lines)))
            """).collect().first?.decode(Int.self) ?? 0
    }

    /// Posts every approved settlement, each in its own transaction. Returns how many were posted.
    public func postApproved(tenant: TenantHandle) async throws -> Int {
        let ids = try await tenantDB.transaction(tenant) { tx in
            try await tx.query("SELECT id FROM commission_settlements WHERE status = 'approved' ORDER BY created_at, id").collect().map { try $0.decode(UUID.self) }
        }
        var posted = 0
        for id in ids {
            if try await tenantDB.transaction(tenant, { tx in try await post(id, in: tx) }) { posted += 1 }
        }
        return posted
    }

    /// Posts one approved settlement: the ledger transfer and the marking commit together, so a
    /// worker killed between them leaves neither. If the transfer already exists (its id is derived
    /// from the IB, period and currency), `.exists` comes back and only the marking is done.
    /// Returns false when the settlement is not approved (already posted, or waiting).
    func post(_ id: UUID, in tx: TenantTransaction) async throws -> Bool {
        guard let s = try await Self.one(id: id, lock: true, in: tx), s.status == .approved else { return false }
        let transfer = Self.transferID(partner: s.partnerID, periodStart: s.periodStart, currency: s.currency.code)
        let expense = try await Ledger.house(.commissionExpense, Self.expenseQualifier, currency: s.currency, in: tx)
        let wallet = try await Ledger.wallet(user: s.partnerUserID, currency: s.currency, in: tx)
        let outcome = try await Ledger.transfer(id: transfer, debit: expense, credit: wallet, amount: s.amount, code: "ib_commission",
                                                reference: "settlement:\(id.uuidString.lowercased())", in: tx)
        try fault("settlement-after-posting")
        try await tx.query("""
            UPDATE commission_settlements SET status = 'posted', ledger_transfer_id = \(transfer), posted_at = now() WHERE id = \(id)
            """)
        try await tx.query("UPDATE commission_lines SET status = 'settled' WHERE settlement_id = \(id) AND status = 'pending'")
        try await AuditLog.append(AuditEntry(actor: "system", action: "commission.settlement.posted", subject: "settlement:\(id.uuidString.lowercased())",
                                             after: try CanonicalJSON.object(["amount": s.amount, "currency": s.currency.code,
                                                                              "transfer": transfer.uuidString.lowercased(), "ledger": outcome.rawValue])), in: tx)
        try await WebhookEvents.record(.commissionSettled, ["settlement_id": .id(id), "partner_id": .id(s.partnerID), "partner_user_id": .id(s.partnerUserID),
                                                            "period_start": .string(s.periodStart), "period_end": .string(s.periodEnd), "lines": .int(Int64(s.lines)),
                                                            "amount": .money(minor: s.amount, currency: s.currency.code)], in: tx)
        return true
    }
}
