import AtriumCore
import AtriumStorage
import Foundation
import NIOCore
import PostgresNIO

/// Tenant user accounts and staff invitations.
public enum Users {
    /// Creates a user; returns `nil` when the email is already taken for this audience.
    public static func create(audience: Audience, email: String, name: String, country: String = "", passwordHash: String?,
                              status: String = "active", in tx: TenantTransaction) async throws -> UUID? {
        let rows = try await tx.query("""
            INSERT INTO users (audience, email, name, country, password_hash, status)
            VALUES (\(audience.rawValue), \(email.lowercased()), \(name), \(country), \(passwordHash), \(status))
            ON CONFLICT (audience, lower(email)) DO NOTHING RETURNING id
            """).collect()
        let id = try rows.first?.decode(UUID.self)
        if let id, audience == .trader { try await WebhookEvents.record(.clientRegistered, ["client_id": .id(id), "email": .string(email.lowercased()), "name": .string(name), "country": .string(country)], in: tx) }
        return id
    }

    public static func find(audience: Audience, email: String, in tx: TenantTransaction) async throws -> UUID? {
        try await tx.query("SELECT id FROM users WHERE audience = \(audience.rawValue) AND lower(email) = \(email.lowercased())")
            .collect().first?.decode(UUID.self)
    }

    /// Sets the password and activates the account. Outstanding invitations of the user die with
    /// it, so an old link can no longer reset the password.
    public static func setPassword(user: UUID, hash: String, in tx: TenantTransaction) async throws {
        try await tx.query("UPDATE users SET password_hash = \(hash), status = 'active', updated_at = now() WHERE id = \(user)")
        try await tx.query("UPDATE invitations SET used_at = now() WHERE user_id = \(user) AND used_at IS NULL")
    }
}

/// Single-use, expiring invitation links (first-login password set).
public enum Invitations {
    public static let lifetimeSeconds = 7 * 24 * 3600

    public static func create(user: UUID, in tx: TenantTransaction) async throws -> String {
        let token = Token.random()
        try await tx.query("""
            INSERT INTO invitations (token_hash, user_id, expires_at)
            VALUES (\(ByteBuffer(bytes: Token.digest(token))), \(user), now() + make_interval(secs => \(lifetimeSeconds)))
            """)
        return token
    }

    /// The invited user's id and email if `token` is valid, unused, unexpired and belongs to a
    /// user of `audience` (an IB's invitation never opens a Back Office session, nor the reverse).
    public static func peek(token: String, audience: Audience, in tx: TenantTransaction) async throws -> (UUID, String)? {
        try await tx.query("""
            SELECT u.id, u.email FROM invitations i JOIN users u ON u.id = i.user_id
            WHERE i.token_hash = \(ByteBuffer(bytes: Token.digest(token))) AND i.used_at IS NULL AND i.expires_at > now()
              AND u.audience = \(audience.rawValue)
            """).collect().first?.decode((UUID, String).self)
    }

    /// Marks the invitation used; returns the user, or `nil` if it was already used, expired,
    /// unknown, or is not for a user of `audience`.
    public static func consume(token: String, audience: Audience, in tx: TenantTransaction) async throws -> UUID? {
        try await tx.query("""
            UPDATE invitations i SET used_at = now() FROM users u
            WHERE i.token_hash = \(ByteBuffer(bytes: Token.digest(token))) AND i.used_at IS NULL AND i.expires_at > now()
              AND u.id = i.user_id AND u.audience = \(audience.rawValue) RETURNING i.user_id
            """).collect().first?.decode(UUID.self)
    }
}
