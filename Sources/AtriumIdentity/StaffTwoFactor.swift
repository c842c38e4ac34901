import AtriumCore
import AtriumStorage
import Crypto
import Foundation

/// Staff second factor over the shared `TwoFactor` store: enrolment with its audit entry, and an
/// administrator's reset. Whether a brand forces enrolment is its `security.staff_two_factor`.
public enum StaffTwoFactor {
    /// Turns TOTP on for a staff member who proved their app works; returns the recovery codes,
    /// shown once. Audited as `staff.totp_enabled`.
    public static func enable(user: UUID, code: String, key: SymmetricKey, actor: String, requestID: String,
                              now: Date = Date(), in tx: TenantTransaction) async throws -> [String] {
        let codes = try await TwoFactor.enable(user: user, code: code, key: key, now: now, in: tx)
        try await AuditLog.append(AuditEntry(actor: actor, action: "staff.totp_enabled", subject: "staff:\(user.uuidString.lowercased())",
                                             requestID: requestID), in: tx)
        return codes
    }

    /// An administrator clears a member's second factor: secret, recovery codes, pending sign-in
    /// challenges and sessions go, so the member signs in again and must enrol anew (when the
    /// brand requires it). Audited as `staff.two_factor_reset` with before and after.
    public static func reset(member id: UUID, actor: String, requestID: String, in tx: TenantTransaction) async throws {
        guard let enrolled = try await tx.query("""
            SELECT totp_enabled_at IS NOT NULL FROM users WHERE id = \(id) AND audience = 'staff' FOR UPDATE
            """).collect().first?.decode(Bool.self) else { throw StaffAdminError(field: "member", .notFound) }
        try await tx.query("UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL, updated_at = now() WHERE id = \(id)")
        try await tx.query("DELETE FROM recovery_codes WHERE user_id = \(id)")
        try await tx.query("DELETE FROM login_challenges WHERE user_id = \(id)")
        try await tx.query("DELETE FROM sessions WHERE user_id = \(id)")
        try await AuditLog.append(AuditEntry(actor: actor, action: "staff.two_factor_reset", subject: "staff:\(id.uuidString.lowercased())",
                                             before: try CanonicalJSON.object(["two_factor": enrolled]),
                                             after: try CanonicalJSON.object(["two_factor": false]), requestID: requestID), in: tx)
    }
}
