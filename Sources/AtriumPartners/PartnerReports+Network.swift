import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// The IB's sub-IB tree as of now, with each sub-IB's volume and the IB's override.
extension PartnerReports {
    /// A sub-IB in the partner's subtree as of now, with this month's figures.
    public struct SubIB: Sendable, Equatable {
        public let id: UUID
        public let parentID: UUID
        /// 1 = a direct sub-IB.
        public let depth: Int
        public let name: String
        /// Lots of the sub-IB's own clients this month (its level-1 lines).
        public let lotsExt: Int64
        /// What the viewing IB earned this month at levels above 1 on deals of this sub-IB's clients.
        public let override: [Total]
    }

    /// The partner's subtree at `now` (depth-first, children by name), each with `period`'s volume and override.
    public static func network(partner: UUID, period: PartnerPeriod, now: Date, in tx: TenantTransaction) async throws -> [SubIB] {
        var nodes: [(id: UUID, parent: UUID, depth: Int, name: String)] = []
        for try await (id, parent, depth, name) in try await tx.query("""
            WITH RECURSIVE cur AS (
                SELECT DISTINCT ON (partner_id) partner_id, parent_id FROM partner_parents
                WHERE effective_from <= \(now) ORDER BY partner_id, effective_from DESC
            ), tree(id, parent_id, depth, path) AS (
                SELECT c.partner_id, c.parent_id, 1, ARRAY[u.name || c.partner_id::text]
                FROM cur c JOIN partners p ON p.id = c.partner_id JOIN users u ON u.id = p.user_id WHERE c.parent_id = \(partner)
                UNION ALL
                SELECT c.partner_id, c.parent_id, t.depth + 1, t.path || (u.name || c.partner_id::text)
                FROM cur c JOIN tree t ON c.parent_id = t.id JOIN partners p ON p.id = c.partner_id JOIN users u ON u.id = p.user_id
                WHERE t.depth < 100
            )
            SELECT t.id, t.parent_id, t.depth, u.name FROM tree t JOIN partners p ON p.id = t.id JOIN users u ON u.id = p.user_id
            ORDER BY t.path
            """).decode((UUID, UUID, Int, String).self) {
            nodes.append((id, parent, depth, name))
        }
        guard !nodes.isEmpty else { return [] }
        // The override through a sub-IB: the viewer's lines above level 1 whose client belonged
        // to that sub-IB at the deal's time.
        var overrides: [UUID: [Total]] = [:]
        for try await (owner, currency, minor) in try await tx.query("""
            SELECT own.partner_id, l.currency, sum(l.amount)::bigint
            FROM commission_lines l
            JOIN LATERAL (SELECT a.partner_id FROM client_attributions a WHERE a.client_id = l.client_id AND a.effective_from <= l.deal_time
                          ORDER BY a.effective_from DESC LIMIT 1) own ON true
            WHERE l.partner_id = \(partner) AND l.level > 1 AND l.status IN ('pending', 'settled')
              AND l.deal_time >= \(period.start) AND l.deal_time < \(period.end)
            GROUP BY own.partner_id, l.currency ORDER BY l.currency
            """).decode((UUID, String, Int64).self) {
            overrides[owner, default: []].append(Total(currency: currency, minor: minor))
        }
        // Each sub-IB's volume in one query (a deep tree would otherwise cost a query per node).
        var lots: [UUID: Int64] = [:]
        for try await (id, ext) in try await tx.query("""
            SELECT partner_id, sum(CASE WHEN kind = 'reversal' THEN -abs(lots) ELSE lots END)::bigint FROM (
                SELECT partner_id, kind, max(lots_ext) AS lots FROM commission_lines
                WHERE partner_id = ANY(\(nodes.map(\.id))) AND level = 1 AND kind IN ('accrual', 'reversal')
                  AND deal_time >= \(period.start) AND deal_time < \(period.end)
                GROUP BY partner_id, connection_id, deal, deal_revision, kind
            ) d GROUP BY partner_id
            """).decode((UUID, Int64).self) {
            lots[id] = ext
        }
        return nodes.map { node in
            SubIB(id: node.id, parentID: node.parent, depth: node.depth, name: node.name, lotsExt: lots[node.id] ?? 0, override: overrides[node.id] ?? [])
        }
    }
}
