import AtriumCore
import AtriumLedger
import AtriumStorage
import Foundation
import PostgresNIO

extension CommissionSettlements {
    static let columns = """
        s.id, s.partner_id, p.user_id, u.email, u.name, s.period_start::text, s.period_end::text, s.currency, s.amount, s.lines, s.status,
        s.approved_by, s.note, s.ledger_transfer_id, s.created_at
        """

    static func records(_ query: PostgresQuery, in tx: TenantTransaction) async throws -> [SettlementRecord] {
        var out: [SettlementRecord] = []
        for try await row in try await tx.query(query) {
            let (id, partner, user, email, name, start, end, currency, amount, lines, status, approvedBy, note, transfer, created) =
                try row.decode((UUID, UUID, UUID, String, String, String, String, String, Int64, Int, String, UUID?, String, UUID?, Date).self)
            out.append(SettlementRecord(
                id: id, partnerID: partner, partnerUserID: user, partnerEmail: email, partnerName: name, periodStart: start, periodEnd: end,
                currency: try tx.stored(currency, kind: "currency", table: "commission_settlements", id: id, Currency.init),
                amount: amount, lines: lines,
                status: try tx.stored(status, kind: "settlement_status", table: "commission_settlements", id: id, SettlementStatus.init(rawValue:)),
                approvedBy: approvedBy, note: note, ledgerTransferID: transfer, createdAt: created))
        }
        return out
    }

    /// One settlement; `lock` takes a row lock for a state change.
    static func one(id: UUID, lock: Bool = false, in tx: TenantTransaction) async throws -> SettlementRecord? {
        try await records("""
            SELECT \(unescaped: columns) FROM commission_settlements s JOIN partners p ON p.id = s.partner_id JOIN users u ON u.id = p.user_id
            WHERE s.id = \(id) \(unescaped: lock ? "FOR UPDATE OF s" : "")
            """, in: tx).first
    }

    /// One settlement, for a screen.
    public func settlement(tenant: TenantHandle, id: UUID) async throws -> SettlementRecord? {
        try await tenantDB.transaction(tenant) { tx in try await Self.one(id: id, in: tx) }
    }

    /// Settlements in `statuses`, oldest first (the Finance queue), at most `limit`.
    public func list(tenant: TenantHandle, statuses: [SettlementStatus], partner: UUID? = nil, limit: Int = 200) async throws -> [SettlementRecord] {
        try await tenantDB.transaction(tenant) { tx in
            try await Self.records("""
                SELECT \(unescaped: Self.columns) FROM commission_settlements s JOIN partners p ON p.id = s.partner_id JOIN users u ON u.id = p.user_id
                WHERE s.status = ANY(\(statuses.map(\.rawValue))) AND (\(partner)::uuid IS NULL OR s.partner_id = \(partner))
                ORDER BY s.created_at, s.period_start, s.id LIMIT \(limit)
                """, in: tx)
        }
    }
}
