import AtriumStorage
import Foundation
import PostgresNIO

/// Staff members of the brand who can be given work: task assignees and Sales agents.
public enum CRMStaff {
    /// A staff member as shown in an assignee or agent picker.
    public struct Member: Sendable, Equatable {
        public let id: UUID
        public let name: String
        public let email: String
    }

    /// Active staff of this brand, by name.
    public static func active(in tx: TenantTransaction) async throws -> [Member] {
        var out: [Member] = []
        let rows = try await tx.query("""
            SELECT id, name, email FROM users WHERE audience = 'staff' AND status = 'active' ORDER BY lower(name), lower(email)
            """)
        for try await (id, name, email) in rows.decode((UUID, String, String).self) {
            out.append(Member(id: id, name: name.isEmpty ? email : name, email: email))
        }
        return out
    }

    /// The active staff member `id`, or a `not_staff` refusal of `field` (traders, IBs, disabled or
    /// invited staff, unknown ids).
    public static func requireActive(_ id: UUID?, field: String, in tx: TenantTransaction) async throws -> UUID {
        guard let id else { throw CRMFieldError(field, .required) }
        let rows = try await tx.query("SELECT 1 FROM users WHERE id = \(id) AND audience = 'staff' AND status = 'active'").collect()
        guard !rows.isEmpty else { throw CRMFieldError(field, .notStaff) }
        return id
    }
}
