import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// The IB's own clients as of now, as the portal lists them.
extension PartnerReports {
    /// A client of the IB as the portal shows it; `name` and `email` only when the brand shows names.
    public struct Client: Sendable, Equatable {
        public let id: UUID
        public let name: String
        public let email: String
        public let country: String
        public let since: Date
        public let lotsExt: Int64
        public let verified: Bool
        public let funded: Bool
    }

    /// The IB's own clients as of `now`, newest attribution first, with their lifetime lots on level-1 lines.
    public static func clients(partner: UUID, now: Date, in tx: TenantTransaction) async throws -> [Client] {
        try await clientRows(partner: partner, now: now, only: nil, in: tx)
    }

    /// One own client of the IB; nil when the client is not the IB's now (another IB's, or unknown).
    public static func client(_ id: UUID, partner: UUID, now: Date, in tx: TenantTransaction) async throws -> Client? {
        try await clientRows(partner: partner, now: now, only: id, in: tx).first
    }

    private static func clientRows(partner: UUID, now: Date, only: UUID?, in tx: TenantTransaction) async throws -> [Client] {
        var out: [Client] = []
        let rows = try await tx.query("""
            SELECT u.id, u.name, u.email, u.country, cur.effective_from, u.kyc_status = 'approved',
                   EXISTS (SELECT 1 FROM payments p WHERE p.user_id = u.id AND p.kind = 'deposit' AND p.status = 'succeeded'),
                   coalesce((SELECT sum(CASE WHEN kind = 'reversal' THEN -abs(lots) ELSE lots END) FROM (
                       SELECT kind, max(lots_ext) AS lots FROM commission_lines
                       WHERE partner_id = \(partner) AND client_id = u.id AND level = 1 AND kind IN ('accrual', 'reversal')
                       GROUP BY connection_id, deal, deal_revision, kind) d), 0)::bigint
            FROM (SELECT DISTINCT ON (client_id) client_id, partner_id, effective_from FROM client_attributions
                  WHERE effective_from <= \(now) ORDER BY client_id, effective_from DESC) cur
            JOIN users u ON u.id = cur.client_id
            WHERE cur.partner_id = \(partner) AND (\(only)::uuid IS NULL OR u.id = \(only))
            ORDER BY cur.effective_from DESC, u.id
            """)
        for try await (id, name, email, country, since, verified, funded, lots) in rows.decode((UUID, String, String, String, Date, Bool, Bool, Int64).self) {
            out.append(Client(id: id, name: name, email: email, country: country, since: since, lotsExt: lots, verified: verified, funded: funded))
        }
        return out
    }
}
