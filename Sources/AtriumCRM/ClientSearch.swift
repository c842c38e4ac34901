import AtriumStorage
import Foundation
import PostgresNIO

/// One client as the Back Office list shows it.
public struct ClientRow: Sendable, Equatable {
    public let id: UUID
    public let name: String
    public let email: String
    public let country: String
    public let kycStatus: String
    public let createdAt: Date
    /// The referral code the client registered with.
    public let referralCode: String?
    /// The assigned Sales agent's email.
    public let agentEmail: String?
    /// The email of the IB the client is attributed to now.
    public let ibEmail: String?
    /// A succeeded deposit exists.
    public let funded: Bool
}

/// The Back Office client search: filters, the staff member's `ClientScope`, keyset pagination
/// on `(created_at DESC, id DESC)` (index `users_trader_created`, migration 0018).
public enum ClientSearch {
    /// The default and largest page sizes.
    public static let pageSize = 50
    public static let maxPageSize = 1_000

    /// Up to `limit` clients matching `filter` in `scope` after `cursor`, and the cursor of the next
    /// page (nil on the last page).
    public static func page(_ filter: ClientFilter, scope: ClientScope, after cursor: ClientCursor? = nil, limit: Int = pageSize,
                            in tx: TenantTransaction) async throws -> (rows: [ClientRow], next: ClientCursor?) {
        let limit = max(1, min(limit, maxPageSize))
        let rows = try await tx.query(query(filter, scope: scope, after: cursor, limit: limit + 1)).collect()
        var out: [ClientRow] = []
        for row in rows.prefix(limit) {
            let r = row.makeRandomAccess()
            out.append(ClientRow(id: try r[0].decode(UUID.self), name: try r[1].decode(String.self), email: try r[2].decode(String.self),
                                 country: try r[3].decode(String.self), kycStatus: try r[4].decode(String.self), createdAt: try r[5].decode(Date.self),
                                 referralCode: try r[6].decode(String?.self), agentEmail: try r[7].decode(String?.self),
                                 ibEmail: try r[8].decode(String?.self), funded: try r[9].decode(Bool.self)))
        }
        let next = rows.count > limit ? out.last.map { ClientCursor(createdAt: $0.createdAt, id: $0.id) } : nil
        return (out, next)
    }

    /// The statement behind `page` (public so the benchmark can EXPLAIN exactly what runs).
    /// The filters pick the page's ids first, walking `users_trader_created` (or a filter's index)
    /// and stopping after `limit` rows; the agent, IB and "funded" columns are then looked up for
    /// those rows only, so a selective search does not pay for 100,000 joins.
    public static func query(_ filter: ClientFilter, scope: ClientScope, after cursor: ClientCursor?, limit: Int) -> PostgresQuery {
        var b = SQLBuilder()
        b.add("WITH page AS MATERIALIZED (\nSELECT u.id, u.created_at FROM users u\nWHERE u.audience = 'trader'")
        // ClientScope's documented predicate, with its two binds.
        let all = b.bind(scope.seesAll), agent = b.bind(scope.agentID)
        b.add("\n  AND (\(all) OR EXISTS (SELECT 1 FROM client_agents sc WHERE sc.client_id = u.id AND sc.agent_id = \(agent)))")
        if let q = filter.query {
            let lowered = q.lowercased()
            let pattern = b.bind("%" + likeEscaped(lowered) + "%"), exact = b.bind(lowered), login = b.bind(q)
            // The uncorrelated IN lists are computed once (hashed), not per scanned client.
            b.add("""

                  AND (u.name ILIKE \(pattern) OR u.email ILIKE \(pattern) OR lower(u.referral_code) = \(exact)
                       OR u.id IN (SELECT t.user_id FROM trading_accounts t WHERE t.login = \(login))
                       OR u.id IN (\(clientsOf(partnersMatching(exact)))))
                """)
        }
        if let k = filter.kycStatus { b.add("\n  AND u.kyc_status = \(b.bind(k))") }
        if let c = filter.country { b.add("\n  AND u.country = \(b.bind(c))") }
        if let a = filter.agent { b.add("\n  AND EXISTS (SELECT 1 FROM client_agents fa WHERE fa.client_id = u.id AND fa.agent_id = \(b.bind(a)))") }
        if let ib = filter.ib { b.add("\n  AND u.id IN (\(clientsOf(partnersMatching(b.bind(ib.lowercased())))))") }
        if let funded = filter.funded {
            b.add("\n  AND \(funded ? "" : "NOT ")EXISTS (SELECT 1 FROM payments d2 WHERE d2.user_id = u.id AND d2.kind = 'deposit' AND d2.status = 'succeeded')")
        }
        if let from = filter.from { b.add("\n  AND u.created_at >= \(b.bind(from))") }
        if let until = filter.until { b.add("\n  AND u.created_at < \(b.bind(until))") }
        if let cursor {
            // Exact microseconds, so the row the cursor names is excluded and its neighbours are not.
            b.add("\n  AND (u.created_at, u.id) < ('epoch'::timestamptz + \(b.bind(cursor.micros)) * interval '1 microsecond', \(b.bind(cursor.id)))")
        }
        b.add("\nORDER BY u.created_at DESC, u.id DESC LIMIT \(b.bind(limit)))")
        b.add("""

            SELECT u.id, u.name, u.email, u.country, u.kyc_status, u.created_at, u.referral_code, ag.email, ibu.email, f.funded IS NOT NULL
            FROM page JOIN users u ON u.id = page.id
            LEFT JOIN client_agents ca ON ca.client_id = u.id
            LEFT JOIN users ag ON ag.id = ca.agent_id
            LEFT JOIN LATERAL (SELECT a.partner_id FROM client_attributions a WHERE a.client_id = u.id AND a.effective_from <= now()
                               ORDER BY a.effective_from DESC LIMIT 1) attr ON true
            LEFT JOIN partners p ON p.id = attr.partner_id
            LEFT JOIN users ibu ON ibu.id = p.user_id
            LEFT JOIN LATERAL (SELECT true AS funded FROM payments d WHERE d.user_id = u.id AND d.kind = 'deposit' AND d.status = 'succeeded'
                               LIMIT 1) f ON true
            ORDER BY page.created_at DESC, page.id DESC
            """)
        return b.query
    }

    /// The clients attributed now to one of `partners` (the latest attribution row not in the future).
    static func clientsOf(_ partners: String) -> String {
        "SELECT a.client_id FROM client_attributions a WHERE a.partner_id IN (\(partners)) AND a.effective_from <= now() "
            + "AND NOT EXISTS (SELECT 1 FROM client_attributions a2 WHERE a2.client_id = a.client_id "
            + "AND a2.effective_from > a.effective_from AND a2.effective_from <= now())"
    }

    /// The partners an IB reference names: any of their referral codes, or their sign-in email.
    static func partnersMatching(_ placeholder: String) -> String {
        "SELECT l.partner_id FROM partner_links l WHERE lower(l.code) = \(placeholder) "
            + "UNION SELECT ip.id FROM partners ip JOIN users iu ON iu.id = ip.user_id WHERE iu.audience = 'ib' AND lower(iu.email) = \(placeholder)"
    }

    /// `text` with LIKE's wildcards escaped, so a search for `a_b` or `50%` matches itself.
    static func likeEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }

    /// The brand's staff (id, email), for the agent filter.
    public static func agents(in tx: TenantTransaction) async throws -> [(id: UUID, email: String)] {
        var out: [(UUID, String)] = []
        for try await (id, email) in try await tx.query("""
            SELECT id, email FROM users WHERE audience = 'staff' AND status = 'active' ORDER BY email LIMIT 500
            """).decode((UUID, String).self) { out.append((id, email)) }
        return out
    }
}
