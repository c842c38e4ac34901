import AtriumCore
import AtriumStorage
import Foundation
import NIOCore

/// One live session of a user, as their sessions page lists it. The token hash never leaves the
/// database; the public `id` names the session.
public struct SessionInfo: Sendable, Equatable {
    public let id: UUID
    public let createdAt: Date
    public let lastSeenAt: Date?
    public let ip: String
    public let userAgent: String
}

/// Listing and revoking a user's own sessions (`/admin/security/sessions`).
public enum SessionList {
    /// How stale `last_seen_at` may get before a request writes it again: at most one write a
    /// minute per session, so a busy page costs no extra write per request.
    public static let touchSeconds = 60

    /// The public id of the session behind `token` and whether its user has TOTP enrolled,
    /// refreshing the session's `last_seen_at` when it is older than `touchSeconds`; one statement.
    public static func touch(token: String, in tx: TenantTransaction) async throws -> (session: UUID, twoFactor: Bool)? {
        let digest = ByteBuffer(bytes: Token.digest(token))
        return try await tx.query("""
            WITH touched AS (
                UPDATE sessions SET last_seen_at = now()
                WHERE token_hash = \(digest)
                  AND (last_seen_at IS NULL OR last_seen_at < now() - make_interval(secs => \(touchSeconds)))
                RETURNING id)
            SELECT s.id, u.totp_enabled_at IS NOT NULL FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = \(digest)
            """).collect().first?.decode((UUID, Bool).self)
    }

    /// The user's unexpired sessions of `audience`, newest first.
    public static func active(user: UUID, audience: Audience, in tx: TenantTransaction) async throws -> [SessionInfo] {
        try await tx.query("""
            SELECT id, created_at, last_seen_at, ip, user_agent FROM sessions
            WHERE user_id = \(user) AND audience = \(audience.rawValue) AND expires_at > now()
            ORDER BY created_at DESC, id
            """).collect().map { row in
            let (id, created, seen, ip, agent) = try row.decode((UUID, Date, Date?, String, String).self)
            return SessionInfo(id: id, createdAt: created, lastSeenAt: seen, ip: ip, userAgent: agent)
        }
    }

    /// Ends one of the user's own sessions; false when `id` is not one of theirs (someone else's
    /// session is as unknown as a made-up id). Audited.
    public static func revoke(id: UUID, user: UUID, actor: String, requestID: String, in tx: TenantTransaction) async throws -> Bool {
        let gone = try await tx.query("""
            DELETE FROM sessions WHERE id = \(id) AND user_id = \(user) RETURNING ip, user_agent
            """).collect().first?.decode((String, String).self)
        guard let (ip, agent) = gone else { return false }
        try await AuditLog.append(AuditEntry(actor: actor, action: "session.revoked", subject: "session:\(id.uuidString.lowercased())",
                                             before: try CanonicalJSON.object(["ip": ip, "user_agent": agent]), requestID: requestID), in: tx)
        return true
    }
}
