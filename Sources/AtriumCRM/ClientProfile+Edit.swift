import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// Staff edits of a client's profile (`clients.edit`): name and country, audited before/after.
extension ClientProfile {
    /// The fields staff may change.
    public struct Edit: Sendable, Equatable {
        public var name: String
        /// ISO 3166 alpha-2 (upper case), or empty for "unknown".
        public var country: String

        /// Validates raw form values; throws `ClientError.invalid(field:)` naming `name` or `country`.
        public init(name: String, country: String) throws {
            let n = name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !n.isEmpty, n.unicodeScalars.count <= 200 else { throw ClientError.invalid(field: "name") }
            let c = country.trimmingCharacters(in: .whitespaces).uppercased()
            guard c.isEmpty || (c.count == 2 && c.unicodeScalars.allSatisfy { $0.value >= 65 && $0.value <= 90 }) else {
                throw ClientError.invalid(field: "country")
            }
            self.name = n
            self.country = c
        }
    }

    /// Applies `edit` to `client` if `scope` may see it; audits the change (nothing when nothing changed).
    public static func update(_ client: UUID, with edit: Edit, actor: String, scope: ClientScope, requestID: String,
                              in tx: TenantTransaction) async throws {
        guard try await scope.allows(client, in: tx),
              let row = try await tx.query("SELECT name, country FROM users WHERE id = \(client) FOR UPDATE").collect().first else {
            throw ClientError.notFound
        }
        let (name, country) = try row.decode((String, String).self)
        guard name != edit.name || country != edit.country else { return }
        try await tx.query("UPDATE users SET name = \(edit.name), country = \(edit.country), updated_at = now() WHERE id = \(client)")
        try await AuditLog.append(AuditEntry(actor: actor, action: "client.profile_updated", subject: "trader:\(client.uuidString.lowercased())",
                                             before: try CanonicalJSON.object(["name": name, "country": country]),
                                             after: try CanonicalJSON.object(["name": edit.name, "country": edit.country]),
                                             requestID: requestID), in: tx)
    }
}
