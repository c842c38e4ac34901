import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// Why staff cannot revoke a key: the key is not in this brand, or it was revoked already.
public enum APIKeyAdminError: Error, Equatable, UserFacingError {
    case notFound
    case alreadyRevoked

    public var status: Int { self == .notFound ? 404 : 409 }
    public var publicMessage: String { self == .notFound ? "apikeys_error_not_found" : "apikeys_error_already_revoked" }
}

extension APIKeys {
    /// The name of the key `./ops/demo` makes for each brand (replaced on every run).
    public static let demoKeyName = "demo read-only"

    /// Makes a key and writes `api_key.created` to the brand's audit log in the same transaction.
    /// Bad input is an `InputError` (422) naming `name` or `scopes`, and nothing is written.
    public static func issue(name: String, scopes: [APIScope], actor: String, requestID: String,
                             in tx: TenantTransaction) async throws -> (key: APIKey, token: String) {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(trimmed.count) else { throw InputError(field: "name", reason: "1 to 100 characters", status: 422) }
        guard !scopes.isEmpty else { throw InputError(field: "scopes", reason: "choose at least one scope", status: 422) }
        let made = try await create(name: trimmed, scopes: scopes, createdBy: actor, in: tx)
        try await AuditLog.append(AuditEntry(actor: actor, action: "api_key.created", subject: "api_key:\(made.key.id.uuidString.lowercased())",
                                             after: try CanonicalJSON.object(["name": trimmed, "prefix": made.key.prefix,
                                                                              "scopes": scopes.map(\.rawValue)]),
                                             requestID: requestID), in: tx)
        return made
    }

    /// Revokes a live key and writes `api_key.revoked`; the key answers 401 from the next request on.
    public static func revoke(id: UUID, actor: String, requestID: String, in tx: TenantTransaction) async throws -> APIKey {
        let rows = try await tx.query("""
            UPDATE api_keys SET revoked_at = now(), revoked_by = \(actor) WHERE id = \(id) AND revoked_at IS NULL
            RETURNING \(unescaped: columns)
            """).collect()
        guard let row = rows.first else {
            let exists = try await tx.query("SELECT 1 FROM api_keys WHERE id = \(id)").collect()
            throw exists.isEmpty ? APIKeyAdminError.notFound : APIKeyAdminError.alreadyRevoked
        }
        let key = try decode(row)
        try await AuditLog.append(AuditEntry(actor: actor, action: "api_key.revoked", subject: "api_key:\(id.uuidString.lowercased())",
                                             before: try CanonicalJSON.object(["name": key.name, "prefix": key.prefix]),
                                             after: try CanonicalJSON.object(["revoked": true]), requestID: requestID), in: tx)
        return key
    }

    /// The email of each staff member named as `staff:<id>` in `actors`, so lists show who made a key.
    public static func staffEmails(_ actors: [String], in tx: TenantTransaction) async throws -> [String: String] {
        let ids = actors.compactMap { $0.hasPrefix("staff:") ? UUID(uuidString: String($0.dropFirst(6))) : nil }
        guard !ids.isEmpty else { return [:] }
        var out: [String: String] = [:]
        for row in try await tx.query("SELECT id, email FROM users WHERE audience = 'staff' AND id = ANY(\(ids))").collect() {
            let (id, email) = try row.decode((UUID, String).self)
            out["staff:\(id.uuidString.lowercased())"] = email
        }
        return out
    }

    /// The demo's key: revokes the live keys named `demoKeyName` (their tokens were shown once
    /// and cannot be printed again) and makes a new read-only one.
    public static func replaceDemoKey(actor: String, in tx: TenantTransaction) async throws -> (token: String, revoked: Int) {
        let old = try await tx.query("SELECT id FROM api_keys WHERE name = \(demoKeyName) AND revoked_at IS NULL").collect()
        for row in old { _ = try await revoke(id: try row.decode(UUID.self), actor: actor, requestID: "", in: tx) }
        let made = try await issue(name: demoKeyName, scopes: APIScope.readOnly, actor: actor, requestID: "", in: tx)
        return (made.token, old.count)
    }
}
