import AtriumCore
import AtriumStorage
import Foundation
import NIOCore

/// Single-use, expiring tokens mailed to a user: address verification and password reset.
/// Issuing a new token of a purpose retires the user's earlier ones of that purpose.
public enum EmailTokens {
    public enum Purpose: String, Sendable {
        case verifyEmail = "verify_email"
        case resetPassword = "reset_password"

        /// How long a mailed link works.
        public var lifetimeSeconds: Int {
            switch self {
            case .verifyEmail: 3 * 24 * 3600
            case .resetPassword: 3600
            }
        }
    }

    public static func issue(user: UUID, purpose: Purpose, in tx: TenantTransaction) async throws -> String {
        try await tx.query("UPDATE email_tokens SET used_at = now() WHERE user_id = \(user) AND purpose = \(purpose.rawValue) AND used_at IS NULL")
        let token = Token.random()
        try await tx.query("""
            INSERT INTO email_tokens (token_hash, user_id, purpose, expires_at)
            VALUES (\(ByteBuffer(bytes: Token.digest(token))), \(user), \(purpose.rawValue), now() + make_interval(secs => \(purpose.lifetimeSeconds)))
            """)
        return token
    }

    /// The user and email behind a valid, unused, unexpired token, without using it.
    public static func peek(token: String, purpose: Purpose, in tx: TenantTransaction) async throws -> (UUID, String)? {
        try await tx.query("""
            SELECT u.id, u.email FROM email_tokens t JOIN users u ON u.id = t.user_id
            WHERE t.token_hash = \(ByteBuffer(bytes: Token.digest(token))) AND t.purpose = \(purpose.rawValue)
              AND t.used_at IS NULL AND t.expires_at > now()
            """).collect().first?.decode((UUID, String).self)
    }

    /// Uses the token; returns its user, or nil when it is unknown, used, expired or of another purpose.
    public static func consume(token: String, purpose: Purpose, in tx: TenantTransaction) async throws -> UUID? {
        try await tx.query("""
            UPDATE email_tokens SET used_at = now()
            WHERE token_hash = \(ByteBuffer(bytes: Token.digest(token))) AND purpose = \(purpose.rawValue)
              AND used_at IS NULL AND expires_at > now()
            RETURNING user_id
            """).collect().first?.decode(UUID.self)
    }
}

extension Users {
    public static func markEmailVerified(user: UUID, in tx: TenantTransaction) async throws {
        try await tx.query("UPDATE users SET email_verified_at = coalesce(email_verified_at, now()), updated_at = now() WHERE id = \(user)")
    }

    /// Email, name and whether the address is verified.
    public static func profile(user: UUID, in tx: TenantTransaction) async throws -> (email: String, name: String, verified: Bool)? {
        try await tx.query("SELECT email, name, email_verified_at IS NOT NULL FROM users WHERE id = \(user)")
            .collect().first?.decode((String, String, Bool).self)
    }
}
