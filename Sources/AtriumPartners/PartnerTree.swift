import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// The IB hierarchy as it stood at a given time (parent edges are effective-dated rows of
/// `partner_parents`; the database refuses a cycle with SQLSTATE AP001).
public enum PartnerTree {
    /// One IB in a tree: `depth` 0 is the root asked for.
    public struct Node: Sendable, Equatable {
        public let partnerID: UUID
        public let parentID: UUID?
        public let depth: Int
        public let name: String
        public let email: String
        public let status: String
    }

    /// `root` and every IB below it at `at`, depth first (a parent before its children, siblings by name).
    public static func subtree(of root: UUID, at: Date = Date(), in tx: TenantTransaction) async throws -> [Node] {
        try await nodes(root: root, at: at, in: tx)
    }

    /// Every IB at `at`, each top-level IB followed by its subtree.
    public static func forest(at: Date = Date(), in tx: TenantTransaction) async throws -> [Node] {
        try await nodes(root: nil, at: at, in: tx)
    }

    /// Both queries: the edges in force at `at` (the latest row per partner with effective_from <= at),
    /// walked down from the root (or from every partner without a parent then). The depth bound is
    /// only a guard: the trigger already makes cycles impossible.
    static func nodes(root: UUID?, at: Date, in tx: TenantTransaction) async throws -> [Node] {
        try await tx.query("""
            WITH RECURSIVE edges AS (
                SELECT DISTINCT ON (partner_id) partner_id, parent_id FROM partner_parents
                WHERE effective_from <= \(at) ORDER BY partner_id, effective_from DESC
            ), tree(partner_id, parent_id, depth, path) AS (
                SELECT p.id, e.parent_id, 0, ARRAY[lower(u.name) || p.id::text]
                FROM partners p JOIN users u ON u.id = p.user_id LEFT JOIN edges e ON e.partner_id = p.id
                WHERE CASE WHEN \(root)::uuid IS NULL THEN e.parent_id IS NULL ELSE p.id = \(root) END
                UNION ALL
                SELECT e.partner_id, e.parent_id, t.depth + 1, t.path || (lower(u.name) || e.partner_id::text)
                FROM edges e JOIN tree t ON e.parent_id = t.partner_id JOIN partners p ON p.id = e.partner_id JOIN users u ON u.id = p.user_id
                WHERE t.depth < 10000
            )
            SELECT t.partner_id, t.parent_id, t.depth, u.name, u.email, p.status
            FROM tree t JOIN partners p ON p.id = t.partner_id JOIN users u ON u.id = p.user_id
            ORDER BY t.path
            """).collect().map { row in
            let (id, parent, depth, name, email, status) = try row.decode((UUID, UUID?, Int, String, String, String).self)
            return Node(partnerID: id, parentID: parent, depth: depth, name: name, email: email, status: status)
        }
    }

    /// The partner's parent at `at` (nil: top level, or never had one).
    public static func parent(of partner: UUID, at: Date = Date(), in tx: TenantTransaction) async throws -> UUID? {
        try await tx.query("""
            SELECT parent_id FROM partner_parents WHERE partner_id = \(partner) AND effective_from <= \(at)
            ORDER BY effective_from DESC LIMIT 1
            """).collect().first?.decode(UUID?.self) ?? nil
    }

    /// Staff move `partner` under `parent` (nil: top level) from `effectiveFrom` on, audited.
    /// A move that would make a cycle is refused by the database (AP001) and reported on `parent`.
    public static func move(_ partner: UUID, to parent: UUID?, effectiveFrom: Date, note: String, by staff: UUID, actor: String,
                            requestID: String, in tx: TenantTransaction) async throws {
        let note = try PartnerInput.text(note, field: "note", max: 1000, required: false)
        guard try await PartnerDirectory.status(of: partner, in: tx) != nil else { throw PartnerError.invalid(field: "partner", reason: .notFound) }
        if let parent {
            guard parent != partner else { throw PartnerError.invalid(field: "parent", reason: .cycle) }
            guard try await PartnerDirectory.status(of: parent, in: tx) != nil else { throw PartnerError.invalid(field: "parent", reason: .notFound) }
        }
        let before = try await self.parent(of: partner, at: effectiveFrom, in: tx)
        guard before != parent else { throw PartnerError.invalid(field: "parent", reason: .sameParent) }
        do {
            try await tx.query("""
                INSERT INTO partner_parents (partner_id, parent_id, effective_from, note, created_by)
                VALUES (\(partner), \(parent), \(effectiveFrom), \(note), \(staff))
                """)
        } catch where error.sqlState == "AP001" {
            throw PartnerError.invalid(field: "parent", reason: .cycle)
        } catch where error.sqlState == "23505" {
            throw PartnerError.invalid(field: "effective_date", reason: .taken)
        }
        try await AuditLog.append(AuditEntry(actor: actor, action: "partner.parent.moved", subject: "partner:\(partner.uuidString.lowercased())",
                                             before: try CanonicalJSON.object(["parent": before?.uuidString.lowercased() ?? ""]),
                                             after: try CanonicalJSON.object(["parent": parent?.uuidString.lowercased() ?? "",
                                                                              "effective_from": effectiveFrom.formatted(.iso8601),
                                                                              "note": note]),
                                             requestID: requestID), in: tx)
    }
}
