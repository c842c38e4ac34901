import AtriumCore
import AtriumStorage
import Crypto
import Foundation
import NIOCore

/// TOTP enrollment, recovery codes and the second sign-in step. The TOTP secret is sealed with
/// AES-GCM under a key the caller derives per tenant; this type never sees the master key.
public enum TwoFactor {
    public static let challengeSeconds = 300
    public static let maximumAttempts = 5
    public static let recoveryCodeCount = 10

    public enum Failure: Error, Equatable {
        case wrongCode
        case codeAlreadyUsed
        case challengeExpired
    }

    static func seal(_ secret: [UInt8], key: SymmetricKey) throws -> [UInt8] {
        guard let combined = try AES.GCM.seal(secret, using: key).combined else { throw Failure.wrongCode }
        return Array(combined)
    }

    static func open(_ sealed: [UInt8], key: SymmetricKey) throws -> [UInt8] {
        Array(try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key))
    }

    /// Starts enrollment: stores a new sealed secret (not active yet) and returns it for the QR code.
    public static func beginEnrollment(user: UUID, key: SymmetricKey, in tx: TenantTransaction) async throws -> [UInt8] {
        let secret = TOTP.randomSecret()
        try await tx.query("""
            UPDATE users SET totp_secret = \(ByteBuffer(bytes: try seal(secret, key: key))), totp_enabled_at = NULL, totp_last_step = NULL
            WHERE id = \(user)
            """)
        return secret
    }

    /// Whether TOTP is on, and the (unsealed) secret if one is stored.
    public static func state(user: UUID, key: SymmetricKey, in tx: TenantTransaction) async throws -> (enabled: Bool, secret: [UInt8]?) {
        guard let (sealed, enabled) = try await tx.query("SELECT totp_secret, totp_enabled_at IS NOT NULL FROM users WHERE id = \(user)")
            .collect().first?.decode((ByteBuffer?, Bool).self) else { return (false, nil) }
        return (enabled, try sealed.map { try open(Array(buffer: $0), key: key) })
    }

    /// Checks `code` against the stored secret, once per time step; records the step.
    static func acceptCode(_ code: String, user: UUID, key: SymmetricKey, now: Date, in tx: TenantTransaction) async throws {
        guard let (sealed, last) = try await tx.query("SELECT totp_secret, totp_last_step FROM users WHERE id = \(user) FOR UPDATE")
            .collect().first?.decode((ByteBuffer?, Int64?).self), let sealed else { throw Failure.wrongCode }
        let secret = try open(Array(buffer: sealed), key: key)
        guard let step = TOTP.verify(code, secret: secret, time: now) else { throw Failure.wrongCode }
        guard Int64(step) > (last ?? -1) else { throw Failure.codeAlreadyUsed }
        try await tx.query("UPDATE users SET totp_last_step = \(Int64(step)) WHERE id = \(user)")
    }

    /// Turns TOTP on after the user proved the app works; returns recovery codes, shown once.
    public static func enable(user: UUID, code: String, key: SymmetricKey, now: Date = Date(), in tx: TenantTransaction) async throws -> [String] {
        try await acceptCode(code, user: user, key: key, now: now, in: tx)
        try await tx.query("UPDATE users SET totp_enabled_at = now() WHERE id = \(user)")
        try await tx.query("DELETE FROM recovery_codes WHERE user_id = \(user)")
        var codes: [String] = []
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
        var g = SystemRandomNumberGenerator()
        for _ in 0..<recoveryCodeCount {
            let raw = String((0..<10).map { _ in alphabet[Int(g.next(upperBound: UInt32(alphabet.count)))] })
            let code = raw.prefix(5) + "-" + raw.suffix(5)
            codes.append(String(code))
            try await tx.query("INSERT INTO recovery_codes (user_id, code_hash) VALUES (\(user), \(ByteBuffer(bytes: Token.digest(String(code)))))")
        }
        return codes
    }

    /// Turns TOTP off; needs a current code (or a recovery code).
    public static func disable(user: UUID, code: String, key: SymmetricKey, now: Date = Date(), in tx: TenantTransaction) async throws {
        try await checkSecondFactor(code, user: user, key: key, now: now, in: tx)
        try await tx.query("UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = \(user)")
        try await tx.query("DELETE FROM recovery_codes WHERE user_id = \(user)")
    }

    /// A TOTP code, or else an unused recovery code (which is then used up).
    static func checkSecondFactor(_ input: String, user: UUID, key: SymmetricKey, now: Date, in tx: TenantTransaction) async throws {
        let code = input.trimmingCharacters(in: .whitespaces).lowercased()
        if code.count == 6, code.allSatisfy(\.isNumber) {
            try await acceptCode(code, user: user, key: key, now: now, in: tx)
            return
        }
        let used = try await tx.query("""
            UPDATE recovery_codes SET used_at = now()
            WHERE user_id = \(user) AND code_hash = \(ByteBuffer(bytes: Token.digest(code))) AND used_at IS NULL RETURNING 1
            """).collect()
        guard !used.isEmpty else { throw Failure.wrongCode }
    }

    public static func remainingRecoveryCodes(user: UUID, in tx: TenantTransaction) async throws -> Int {
        try await tx.query("SELECT count(*)::int FROM recovery_codes WHERE user_id = \(user) AND used_at IS NULL").collect().first?.decode(Int.self) ?? 0
    }

    static func createChallenge(user: UUID, audience: Audience, ip: String, userAgent: String, in tx: TenantTransaction) async throws -> String {
        let token = Token.random()
        try await tx.query("""
            INSERT INTO login_challenges (token_hash, user_id, audience, expires_at, ip, user_agent)
            VALUES (\(ByteBuffer(bytes: Token.digest(token))), \(user), \(audience.rawValue), now() + make_interval(secs => \(challengeSeconds)),
                    \(ip), \(userAgent))
            """)
        return token
    }

    /// Answers a sign-in challenge. On success the challenge is gone and a session token is returned.
    /// A wrong answer is returned, not thrown, so that its counted attempt and audit entry commit;
    /// the fifth wrong one ends the challenge.
    public static func completeLogin(challenge: String, code: String, key: (UUID) -> SymmetricKey, replacing old: String?, requestID: String,
                                     now: Date = Date(), in tx: TenantTransaction) async throws -> Result<(token: String, user: UUID, audience: Audience), Failure> {
        let digest = ByteBuffer(bytes: Token.digest(challenge))
        guard let (user, audienceRaw, ip, agent) = try await tx.query("""
            SELECT user_id, audience, ip, user_agent FROM login_challenges
            WHERE token_hash = \(digest) AND expires_at > now() AND attempts < \(maximumAttempts) FOR UPDATE
            """).collect().first?.decode((UUID, String, String, String).self), let audience = Audience(rawValue: audienceRaw) else {
            return .failure(.challengeExpired)
        }
        do {
            try await checkSecondFactor(code, user: user, key: key(user), now: now, in: tx)
        } catch let failure as Failure {
            try await tx.query("UPDATE login_challenges SET attempts = attempts + 1 WHERE token_hash = \(digest)")
            try await AuditLog.append(AuditEntry(actor: "\(audience.rawValue):\(user.uuidString.lowercased())", action: "login.second_factor_failed",
                                                 subject: "\(audience.rawValue):\(user.uuidString.lowercased())", requestID: requestID), in: tx)
            return .failure(failure)
        }
        try await tx.query("DELETE FROM login_challenges WHERE token_hash = \(digest)")
        let token = try await Sessions.create(user: user, audience: audience, ip: ip, userAgent: agent, replacing: old, in: tx)
        try await AuditLog.append(AuditEntry(actor: "\(audience.rawValue):\(user.uuidString.lowercased())", action: "login.succeeded",
                                             subject: "\(audience.rawValue):\(user.uuidString.lowercased())", after: try CanonicalJSON.object(["second_factor": "ok"]),
                                             requestID: requestID), in: tx)
        return .success((token, user, audience))
    }
}
