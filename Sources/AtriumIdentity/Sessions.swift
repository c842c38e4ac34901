import AtriumCore
import AtriumStorage
import Foundation
import NIOCore
import PostgresNIO

/// Server-side sessions. Only the SHA-256 of a token is stored; the token lives in the cookie.
public enum Sessions {
    public static let lifetimeSeconds = 8 * 3600

    /// Creates a session for `user` in the current tenant, deleting `replacing` (rotation at login).
    public static func create(user: UUID, audience: Audience, ip: String, userAgent: String,
                              replacing old: String?, in tx: TenantTransaction) async throws -> String {
        if let old { try await tx.query("DELETE FROM sessions WHERE token_hash = \(ByteBuffer(bytes: Token.digest(old)))") }
        let token = Token.random()
        try await tx.query("""
            INSERT INTO sessions (token_hash, user_id, audience, expires_at, ip, user_agent)
            VALUES (\(ByteBuffer(bytes: Token.digest(token))), \(user), \(audience.rawValue), now() + make_interval(secs => \(lifetimeSeconds)),
                    \(String(ip.prefix(64))), \(String(userAgent.prefix(300))))
            """)
        // A new session is a sign-in (password, second factor or invitation): the staff list shows it.
        try await tx.query("UPDATE users SET last_sign_in_at = now() WHERE id = \(user)")
        return token
    }

    /// The active user behind `token` for `audience` in the current tenant, if the session is live.
    /// Runs on every signed-in request, so it goes as a named prepared statement where allowed (SessionLookup).
    public static func user(token: String, audience: Audience, in tx: TenantTransaction) async throws -> SessionUser? {
        var found: SessionUser?
        // Read to the end (at most one row: token_hash is unique) so the connection is left clean.
        for try await (id, email, name) in try await tx.execute(SessionLookup(tokenHash: Token.digest(token), audience: audience.rawValue)) {
            found = SessionUser(id: id, email: email, name: name, audience: audience)
        }
        return found
    }

    public static func delete(token: String, in tx: TenantTransaction) async throws {
        try await tx.query("DELETE FROM sessions WHERE token_hash = \(ByteBuffer(bytes: Token.digest(token)))")
    }

    /// Ends every session of a user ("log out everywhere", password change).
    public static func deleteAll(user: UUID, in tx: TenantTransaction) async throws {
        try await tx.query("DELETE FROM sessions WHERE user_id = \(user)")
    }
}

/// The signed-in user of a request.
public struct SessionUser: Sendable, Equatable {
    public let id: UUID
    public let email: String
    public let name: String
    public let audience: Audience
}

/// Operator sessions, kept in the platform schema (operators belong to no tenant).
public enum OperatorSessions {
    public static func create(operator id: UUID, ip: String, userAgent: String, replacing old: String?,
                              on conn: PostgresConnection, logger: Logger) async throws -> String {
        if let old { try await conn.query("DELETE FROM platform.operator_sessions WHERE token_hash = \(ByteBuffer(bytes: Token.digest(old)))", logger: logger) }
        let token = Token.random()
        try await conn.query("""
            INSERT INTO platform.operator_sessions (token_hash, operator_id, expires_at, ip, user_agent)
            VALUES (\(ByteBuffer(bytes: Token.digest(token))), \(id), now() + make_interval(secs => \(Sessions.lifetimeSeconds)),
                    \(String(ip.prefix(64))), \(String(userAgent.prefix(300))))
            """, logger: logger)
        return token
    }

    public static func user(token: String, on conn: PostgresConnection, logger: Logger) async throws -> SessionUser? {
        let rows = try await conn.query("""
            SELECT o.id, o.email FROM platform.operator_sessions s JOIN platform.operators o ON o.id = s.operator_id
            WHERE s.token_hash = \(ByteBuffer(bytes: Token.digest(token))) AND s.expires_at > now() AND o.disabled_at IS NULL
            """, logger: logger).collect()
        guard let row = rows.first else { return nil }
        let (id, email) = try row.decode((UUID, String).self)
        return SessionUser(id: id, email: email, name: email, audience: .operator)
    }

    public static func delete(token: String, on conn: PostgresConnection, logger: Logger) async throws {
        try await conn.query("DELETE FROM platform.operator_sessions WHERE token_hash = \(ByteBuffer(bytes: Token.digest(token)))", logger: logger)
    }
}
