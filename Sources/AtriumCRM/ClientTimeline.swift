import AtriumStorage
import Foundation
import PostgresNIO

/// The client's timeline: audit rows about the client or done by the client, lead stage changes,
/// and notes, merged newest first.
public enum ClientTimeline {
    /// One event.
    public struct Event: Sendable, Equatable {
        /// `audit`, `lead` or `note`.
        public let source: String
        public let at: Date
        public let actor: String
        /// The audit action, `lead.<from>-><to>`, or `client.note`.
        public let action: String
        /// Short detail (the subject of something the client did elsewhere, the lead's lost reason, the note's first line).
        public let detail: String
    }

    /// Up to `limit` events of `client` (the caller has checked the scope). Audit rows count when
    /// their subject is the client (`trader:<id>`, `client:<id>` for IB reassignments, the bare id, or the email they registered with)
    /// or the client is the actor; the index `audit_log_subject` (migration 0018) keeps this cheap.
    public static func events(_ client: UUID, email: String, limit: Int = 50, in tx: TenantTransaction) async throws -> [Event] {
        let id = client.uuidString.lowercased(), tagged = "trader:\(id)", attributed = "client:\(id)"
        var out: [Event] = []
        for try await (source, at, actor, action, detail) in try await tx.query("""
            (SELECT 'audit', at, actor, action, '' FROM audit_log WHERE subject IN (\(tagged), \(attributed), \(id), \(email)) AND action <> 'client.note_added' ORDER BY seq DESC LIMIT \(limit))
            UNION ALL
            (SELECT 'audit', at, actor, action, subject FROM audit_log WHERE actor = \(tagged) AND subject NOT IN (\(tagged), \(attributed), \(id), \(email))
             ORDER BY seq DESC LIMIT \(limit))
            UNION ALL
            (SELECT 'lead', at, actor, 'lead.' || from_stage || '->' || to_stage, coalesce(reason, '') FROM lead_events
             WHERE client_id = \(client) ORDER BY at DESC LIMIT \(limit))
            UNION ALL
            (SELECT 'note', n.created_at, u.email, 'client.note', left(split_part(n.body, E'\\n', 1), 120) FROM client_notes n
             JOIN users u ON u.id = n.author_id WHERE n.client_id = \(client) ORDER BY n.created_at DESC LIMIT \(limit))
            ORDER BY 2 DESC LIMIT \(limit)
            """).decode((String, Date, String, String, String).self) {
            out.append(Event(source: source, at: at, actor: actor, action: action, detail: detail))
        }
        return out
    }
}
