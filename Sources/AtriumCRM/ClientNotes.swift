import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// Notes on a client: who wrote what and when. Added, never edited or removed (the table's
/// trigger refuses UPDATE and DELETE with AP004).
public enum ClientNotes {
    /// Longest note accepted (the table's CHECK says the same).
    public static let maxLength = 5000

    /// One note.
    public struct Note: Sendable, Equatable {
        public let id: UUID
        public let authorEmail: String
        public let body: String
        public let createdAt: Date
    }

    /// Adds a note by `author` to `client` if `scope` may see the client, and audits it.
    /// Throws `ClientError.invalid(field: "client_note")` for an empty or too long note, `.notFound` outside the scope.
    @discardableResult
    public static func add(_ body: String, to client: UUID, by author: UUID, actor: String, scope: ClientScope, requestID: String,
                           in tx: TenantTransaction) async throws -> UUID {
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.unicodeScalars.count <= maxLength else { throw ClientError.invalid(field: "client_note") }
        guard try await scope.allows(client, in: tx) else { throw ClientError.notFound }
        guard let id = try await tx.query("""
            INSERT INTO client_notes (client_id, author_id, body) VALUES (\(client), \(author), \(text)) RETURNING id
            """).collect().first?.decode(UUID.self) else { throw ClientError.notFound }
        try await AuditLog.append(AuditEntry(actor: actor, action: "client.note_added", subject: "trader:\(client.uuidString.lowercased())",
                                             after: try CanonicalJSON.object(["note": id.uuidString.lowercased(), "length": "\(text.unicodeScalars.count)"]),
                                             requestID: requestID), in: tx)
        return id
    }

    /// The client's notes, newest first (the caller has checked the scope).
    public static func list(_ client: UUID, limit: Int = 100, in tx: TenantTransaction) async throws -> [Note] {
        var out: [Note] = []
        for try await (id, email, body, at) in try await tx.query("""
            SELECT n.id, u.email, n.body, n.created_at FROM client_notes n JOIN users u ON u.id = n.author_id
            WHERE n.client_id = \(client) ORDER BY n.created_at DESC, n.id DESC LIMIT \(limit)
            """).decode((UUID, String, String, Date).self) {
            out.append(Note(id: id, authorEmail: email, body: body, createdAt: at))
        }
        return out
    }
}
