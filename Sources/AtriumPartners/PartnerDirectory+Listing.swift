import AtriumStorage
import Foundation
import PostgresNIO

extension PartnerDirectory {
    /// One IB as the Back Office lists it.
    public struct Summary: Sendable, Equatable {
        public let id: UUID
        public let userID: UUID
        public let name: String
        public let email: String
        public let status: String
        public let currency: String
        /// The code of the default link.
        public let code: String
        /// The parent at the time asked for, nil for a top-level IB.
        public let parentID: UUID?
        public let parentName: String?
        /// Clients attributed to this IB at the time asked for.
        public let clients: Int
        public let createdAt: Date
    }

    /// IBs whose name, email or link code contains `search` (all when empty), newest first.
    public static func search(_ search: String, at: Date = Date(), limit: Int = 200, in tx: TenantTransaction) async throws -> [Summary] {
        try await summaries(id: nil, search: search, at: at, limit: limit, in: tx)
    }

    /// One IB, or nil when this brand has no such partner.
    public static func summary(_ id: UUID, at: Date = Date(), in tx: TenantTransaction) async throws -> Summary? {
        try await summaries(id: id, search: "", at: at, limit: 1, in: tx).first
    }

    /// One query for both: the parent and the client count are those in force at `at`.
    static func summaries(id: UUID?, search: String, at: Date, limit: Int, in tx: TenantTransaction) async throws -> [Summary] {
        let pattern = "%" + search.lowercased().replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
        let rows = try await tx.query("""
            SELECT p.id, p.user_id, u.name, u.email, p.status, p.wallet_currency, coalesce(l.code, ''), pp.parent_id, pu.name,
                   (SELECT count(*)::int FROM (SELECT DISTINCT ON (ca.client_id) ca.partner_id FROM client_attributions ca
                        WHERE ca.effective_from <= \(at) ORDER BY ca.client_id, ca.effective_from DESC) owners WHERE owners.partner_id = p.id),
                   p.created_at
            FROM partners p JOIN users u ON u.id = p.user_id
            LEFT JOIN partner_links l ON l.partner_id = p.id AND l.is_default
            LEFT JOIN LATERAL (SELECT x.parent_id FROM partner_parents x WHERE x.partner_id = p.id AND x.effective_from <= \(at)
                               ORDER BY x.effective_from DESC LIMIT 1) pp ON true
            LEFT JOIN partners parent ON parent.id = pp.parent_id LEFT JOIN users pu ON pu.id = parent.user_id
            WHERE (\(id)::uuid IS NULL OR p.id = \(id))
              AND (\(search) = '' OR lower(u.name) LIKE \(pattern) OR lower(u.email) LIKE \(pattern)
                   OR EXISTS (SELECT 1 FROM partner_links s WHERE s.partner_id = p.id AND lower(s.code) LIKE \(pattern)))
            ORDER BY p.created_at DESC, p.id LIMIT \(limit)
            """).collect()
        return try rows.map { row in
            let (id, user, name, email, status, currency, code, parent, parentName, clients, created) =
                try row.decode((UUID, UUID, String, String, String, String, String, UUID?, String?, Int, Date).self)
            return Summary(id: id, userID: user, name: name, email: email, status: status, currency: currency, code: code, parentID: parent,
                           parentName: parentName, clients: clients, createdAt: created)
        }
    }
}
