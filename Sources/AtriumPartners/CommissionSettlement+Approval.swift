import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

extension CommissionSettlements {
    /// Finance approves a settlement above the automatic limit; it is posted to the IB's wallet in
    /// the same transaction as the approval.
    @discardableResult
    public func approve(tenant: TenantHandle, settlement id: UUID, staff: UUID, note: String = "", requestID: String = "") async throws -> SettlementRecord {
        try await tenantDB.transaction(tenant) { tx in
            let s = try await awaiting(id, in: tx)
            try await tx.query("""
                UPDATE commission_settlements SET status = 'approved', approved_by = \(staff), approved_at = now(), note = \(String(note.prefix(1000)))
                WHERE id = \(id)
                """)
            try await AuditLog.append(AuditEntry(actor: "staff:\(staff.uuidString.lowercased())", action: "commission.settlement.approved",
                                                 subject: "settlement:\(id.uuidString.lowercased())", before: try CanonicalJSON.object(["status": s.status.rawValue]),
                                                 after: try CanonicalJSON.object(["status": SettlementStatus.approved.rawValue, "amount": s.amount,
                                                                                  "currency": s.currency.code, "note": note]),
                                                 requestID: requestID), in: tx)
            _ = try await post(id, in: tx)
            guard let updated = try await Self.one(id: id, in: tx) else { throw SettlementError.notFound }
            return updated
        }
    }

    /// Finance rejects a settlement with a reason. Its lines stay attached to it and are never paid
    /// (a mistake in them is corrected by an adjustment line, which a later settlement pays).
    @discardableResult
    public func reject(tenant: TenantHandle, settlement id: UUID, staff: UUID, reason: String, requestID: String = "") async throws -> SettlementRecord {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw InputError(field: "reason", reason: "is required") }
        guard reason.count <= 1000 else { throw InputError(field: "reason", reason: "must be at most 1000 characters") }
        return try await tenantDB.transaction(tenant) { tx in
            let s = try await awaiting(id, in: tx)
            try await tx.query("""
                UPDATE commission_settlements SET status = 'rejected', approved_by = \(staff), approved_at = now(), note = \(reason) WHERE id = \(id)
                """)
            try await AuditLog.append(AuditEntry(actor: "staff:\(staff.uuidString.lowercased())", action: "commission.settlement.rejected",
                                                 subject: "settlement:\(id.uuidString.lowercased())", before: try CanonicalJSON.object(["status": s.status.rawValue]),
                                                 after: try CanonicalJSON.object(["status": SettlementStatus.rejected.rawValue, "amount": s.amount,
                                                                                  "currency": s.currency.code, "reason": reason]),
                                                 requestID: requestID), in: tx)
            guard let updated = try await Self.one(id: id, in: tx) else { throw SettlementError.notFound }
            return updated
        }
    }

    /// The settlement, locked, when it waits for Finance.
    func awaiting(_ id: UUID, in tx: TenantTransaction) async throws -> SettlementRecord {
        guard let s = try await Self.one(id: id, lock: true, in: tx) else { throw SettlementError.notFound }
        guard s.status == .awaitingApproval else { throw SettlementError.invalidState(s.status.rawValue) }
        return s
    }
}
