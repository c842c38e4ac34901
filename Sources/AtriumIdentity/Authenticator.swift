import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// Outcome of a login attempt. The two failures are shown to the user with different messages;
/// neither says whether the email exists.
public enum LoginResult: Sendable, Equatable {
    case success(token: String, user: SessionUser)
    /// The password was right and the account uses two-factor sign-in: no session yet, only a
    /// short-lived challenge that the second factor must answer.
    case secondFactorRequired(challenge: String)
    case invalidCredentials
    case locked
}

/// Password logins for every audience, with throttling, session rotation and audit.
public struct Authenticator: Sendable {
    public let hasher: PasswordHasher
    /// A real hash checked when the account is unknown, so timing does not reveal which emails exist.
    let decoy: String

    public init(hasher: PasswordHasher, decoy: String) {
        self.hasher = hasher
        self.decoy = decoy
    }

    public static func make(hasher: PasswordHasher = PasswordHasher()) async throws -> Authenticator {
        Authenticator(hasher: hasher, decoy: try await hasher.hash(Token.random()))
    }

    /// Logs a tenant user in (trader, IB or staff) inside the tenant's transaction.
    public func login(email rawEmail: String, password: String, audience: Audience, ip: String, userAgent: String,
                      replacing old: String?, requestID: String, in tx: TenantTransaction) async throws -> LoginResult {
        let email = rawEmail.trimmingCharacters(in: .whitespaces).lowercased()
        let keys = ["\(audience.rawValue):email:\(email)", "\(audience.rawValue):ip:\(ip)"]
        let throttle = LoginThrottle.tenant
        if try await throttle.isLocked(keys, on: tx.connection, logger: tx.logger) {
            try await AuditLog.append(AuditEntry(actor: "anonymous@\(ip)", action: "login.locked", subject: "\(audience.rawValue):\(email)", requestID: requestID), in: tx)
            return .locked
        }
        let rows = try await tx.query("""
            SELECT id, email, name, password_hash, totp_enabled_at IS NOT NULL FROM users
            WHERE audience = \(audience.rawValue) AND lower(email) = \(email) AND status = 'active'
            """).collect()
        let found = try rows.first.map { try $0.decode((UUID, String, String, String?, Bool).self) }
        let ok = try await hasher.verify(password, against: found?.3 ?? decoy) && found?.3 != nil
        guard ok, let (id, storedEmail, name, _, twoFactor) = found else {
            try await throttle.recordFailure(keys, on: tx.connection, logger: tx.logger)
            try await AuditLog.append(AuditEntry(actor: "anonymous@\(ip)", action: "login.failed", subject: "\(audience.rawValue):\(email)", requestID: requestID), in: tx)
            return .invalidCredentials
        }
        try await throttle.reset(keys, on: tx.connection, logger: tx.logger)
        if twoFactor {
            let challenge = try await TwoFactor.createChallenge(user: id, audience: audience, ip: ip, userAgent: userAgent, in: tx)
            try await AuditLog.append(AuditEntry(actor: "\(audience.rawValue):\(id.uuidString.lowercased())", action: "login.password_ok",
                                                 subject: "\(audience.rawValue):\(email)", after: try CanonicalJSON.object(["second_factor": "required"]), requestID: requestID), in: tx)
            return .secondFactorRequired(challenge: challenge)
        }
        let token = try await Sessions.create(user: id, audience: audience, ip: ip, userAgent: userAgent, replacing: old, in: tx)
        try await AuditLog.append(AuditEntry(actor: "\(audience.rawValue):\(id.uuidString.lowercased())", action: "login.succeeded",
                                             subject: "\(audience.rawValue):\(email)", after: try CanonicalJSON.object(["ip": ip]), requestID: requestID), in: tx)
        return .success(token: token, user: SessionUser(id: id, email: storedEmail, name: name, audience: audience))
    }

    /// Logs a platform operator in, on a platform transaction.
    public func operatorLogin(email rawEmail: String, password: String, ip: String, userAgent: String, replacing old: String?,
                              requestID: String, on conn: PostgresConnection, logger: Logger) async throws -> LoginResult {
        let email = rawEmail.trimmingCharacters(in: .whitespaces).lowercased()
        let keys = ["operator:email:\(email)", "operator:ip:\(ip)"]
        let throttle = LoginThrottle.platform
        if try await throttle.isLocked(keys, on: conn, logger: logger) { return .locked }
        let rows = try await conn.query("""
            SELECT id, email, password_hash FROM platform.operators WHERE lower(email) = \(email) AND disabled_at IS NULL
            """, logger: logger).collect()
        let found = try rows.first.map { try $0.decode((UUID, String, String).self) }
        let ok = try await hasher.verify(password, against: found?.2 ?? decoy) && found != nil
        guard ok, let (id, storedEmail, _) = found else {
            try await throttle.recordFailure(keys, on: conn, logger: logger)
            try await AuditLog.appendPlatform(AuditEntry(actor: "anonymous@\(ip)", action: "operator.login.failed", subject: email, requestID: requestID), on: conn, logger: logger)
            return .invalidCredentials
        }
        try await throttle.reset(keys, on: conn, logger: logger)
        let token = try await OperatorSessions.create(operator: id, ip: ip, userAgent: userAgent, replacing: old, on: conn, logger: logger)
        try await AuditLog.appendPlatform(AuditEntry(actor: "operator:\(storedEmail)", action: "operator.login.succeeded", subject: email, requestID: requestID), on: conn, logger: logger)
        return .success(token: token, user: SessionUser(id: id, email: storedEmail, name: storedEmail, audience: .operator))
    }
}
