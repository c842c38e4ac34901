import AtriumCore
import AtriumIdentity
import AtriumStorage
import Foundation
import PostgresNIO

/// Applications to become an IB: a signed-in trader (name and email from the account, the
/// password copied on approval) or a visitor of `/partners` (who chooses a password when
/// applying). One pending application per email; staff approve with a plan or reject with a reason.
public enum PartnerApplications {
    /// What an applicant sends.
    public struct Submission: Sendable {
        /// The signed-in trader; nil for a visitor.
        public var traderID: UUID?
        public var name: String
        public var email: String
        public var country: String
        public var website: String
        public var message: String
        /// A visitor's chosen password (argon2id); nil for a trader.
        public var passwordHash: String?
        /// The code the applicant came with; kept only when it is a sub-IB link of an active IB.
        public var referralCode: String?

        public init(traderID: UUID?, name: String, email: String, country: String = "", website: String = "", message: String = "",
                    passwordHash: String?, referralCode: String? = nil) {
            self.traderID = traderID
            self.name = name
            self.email = email
            self.country = country
            self.website = website
            self.message = message
            self.passwordHash = passwordHash
            self.referralCode = referralCode
        }
    }

    /// A stored application.
    public struct Application: Sendable, Equatable {
        public let id: UUID
        public let traderID: UUID?
        public let name: String
        public let email: String
        public let country: String
        public let website: String
        public let message: String
        public let parentCode: String?
        public let status: String
        public let reason: String
        public let partnerID: UUID?
        public let createdAt: Date
    }

    /// Stores a pending application, audited. Refused naming the field: a bad name, email,
    /// country, website or message; an email that already has a pending application (409) or an
    /// IB sign-in; a trader who already is an IB.
    @discardableResult
    public static func submit(_ s: Submission, requestID: String, in tx: TenantTransaction) async throws -> UUID {
        let name = try PartnerInput.text(s.name, field: "name", max: 200)
        let email = try PartnerInput.email(s.email)
        let country = s.country.trimmingCharacters(in: .whitespaces).uppercased()
        guard country.isEmpty || country.range(of: "^[A-Z]{2}$", options: .regularExpression) != nil else {
            throw PartnerError.invalid(field: "country", reason: .invalid)
        }
        let website = try PartnerInput.text(s.website, field: "website", max: 300, required: false)
        let message = try PartnerInput.text(s.message, field: "message", max: 2000, required: false)
        guard s.traderID != nil || s.passwordHash != nil else { throw PartnerError.invalid(field: "password", reason: .required) }
        if try await Users.find(audience: .ib, email: email, in: tx) != nil { throw PartnerError.invalid(field: "email", reason: .alreadyPartner) }
        if let trader = s.traderID, try await !tx.query("SELECT 1 FROM partners WHERE trader_id = \(trader)").collect().isEmpty {
            throw PartnerError.invalid(field: "email", reason: .alreadyPartner)
        }
        var parentCode: String?
        if let code = s.referralCode, try await PartnerDirectory.subIBParent(code: code, in: tx) != nil { parentCode = code }
        guard let id = try await tx.query("""
            INSERT INTO partner_applications (trader_id, email, name, country, website, message, password_hash, parent_code)
            VALUES (\(s.traderID), \(email), \(name), \(country), \(website), \(message), \(s.passwordHash), \(parentCode))
            ON CONFLICT (lower(email)) WHERE status = 'pending' DO NOTHING RETURNING id
            """).collect().first?.decode(UUID.self) else { throw PartnerError.invalid(field: "email", reason: .pendingApplication) }
        let actor = s.traderID.map { "trader:\($0.uuidString.lowercased())" } ?? "visitor"
        try await AuditLog.append(AuditEntry(actor: actor, action: "partner.application.submitted", subject: "application:\(id.uuidString.lowercased())",
                                             after: try CanonicalJSON.object(["email": email, "parent_code": parentCode ?? ""]), requestID: requestID), in: tx)
        return id
    }

    /// Applications in `status`, oldest first (the queue), or every status when nil (newest first).
    public static func list(status: String?, limit: Int = 200, in tx: TenantTransaction) async throws -> [Application] {
        try await tx.query("""
            SELECT \(unescaped: columns) FROM partner_applications WHERE (\(status)::text IS NULL OR status = \(status))
            ORDER BY CASE WHEN \(status)::text IS NULL THEN 0 ELSE extract(epoch FROM created_at) END, created_at DESC LIMIT \(limit)
            """).collect().map(decode)
    }

    /// One application, or nil.
    public static func find(_ id: UUID, in tx: TenantTransaction) async throws -> Application? {
        try await tx.query("SELECT \(unescaped: columns) FROM partner_applications WHERE id = \(id)").collect().first.map(decode)
    }

    /// The trader's latest application, or nil.
    public static func latest(trader: UUID, in tx: TenantTransaction) async throws -> Application? {
        try await tx.query("SELECT \(unescaped: columns) FROM partner_applications WHERE trader_id = \(trader) ORDER BY created_at DESC LIMIT 1")
            .collect().first.map(decode)
    }

    static let columns = "id, trader_id, name, email, country, website, message, parent_code, status, reason, partner_id, created_at"

    static func decode(_ row: PostgresRow) throws -> Application {
        let (id, trader, name, email, country, website, message, code, status, reason, partner, created) =
            try row.decode((UUID, UUID?, String, String, String, String, String, String?, String, String, UUID?, Date).self)
        return Application(id: id, traderID: trader, name: name, email: email, country: country, website: website, message: message,
                           parentCode: code, status: status, reason: reason, partnerID: partner, createdAt: created)
    }

    /// Approves a pending application with `plan`: creates the IB (its sign-in takes the trader's
    /// password, or the visitor's), and its parent when the application carried a sub-IB code of
    /// an IB that is still active. Audited.
    public static func approve(_ id: UUID, plan: UUID, currency: String, by staff: UUID, actor: String, requestID: String,
                               in tx: TenantTransaction) async throws -> PartnerDirectory.Created {
        let application = try await pending(id, in: tx)
        var hash = try await tx.query("SELECT password_hash FROM partner_applications WHERE id = \(id)").collect().first?.decode(String?.self) ?? nil
        if let trader = application.traderID {
            hash = try await tx.query("SELECT password_hash FROM users WHERE id = \(trader)").collect().first?.decode(String?.self) ?? nil
        }
        let parent = try await application.parentCode.asyncMap { try await PartnerDirectory.subIBParent(code: $0, in: tx) } ?? nil
        let created = try await PartnerDirectory.create(.init(name: application.name, email: application.email, country: application.country,
                                                              passwordHash: hash, traderID: application.traderID, planID: plan, parentID: parent,
                                                              currency: currency, createdBy: staff), in: tx)
        try await tx.query("""
            UPDATE partner_applications SET status = 'approved', partner_id = \(created.partnerID), decided_by = \(staff), decided_at = now(),
                   password_hash = NULL
            WHERE id = \(id)
            """)
        try await AuditLog.append(AuditEntry(actor: actor, action: "partner.application.approved", subject: "application:\(id.uuidString.lowercased())",
                                             after: try CanonicalJSON.object(["partner": created.partnerID.uuidString.lowercased(),
                                                                              "plan": plan.uuidString.lowercased(), "code": created.code,
                                                                              "parent": parent?.uuidString.lowercased() ?? ""]),
                                             requestID: requestID), in: tx)
        return created
    }

    /// Rejects a pending application; the reason is kept and audited.
    public static func reject(_ id: UUID, reason: String, by staff: UUID, actor: String, requestID: String, in tx: TenantTransaction) async throws {
        let reason = try PartnerInput.text(reason, field: "reason", max: 1000)
        _ = try await pending(id, in: tx)
        try await tx.query("""
            UPDATE partner_applications SET status = 'rejected', reason = \(reason), decided_by = \(staff), decided_at = now(), password_hash = NULL
            WHERE id = \(id)
            """)
        try await AuditLog.append(AuditEntry(actor: actor, action: "partner.application.rejected", subject: "application:\(id.uuidString.lowercased())",
                                             after: try CanonicalJSON.object(["reason": reason]), requestID: requestID), in: tx)
    }

    /// The application, locked, when it is still pending.
    static func pending(_ id: UUID, in tx: TenantTransaction) async throws -> Application {
        guard let row = try await tx.query("SELECT \(unescaped: columns) FROM partner_applications WHERE id = \(id) FOR UPDATE").collect().first else {
            throw PartnerError.invalid(field: "application", reason: .notFound)
        }
        let application = try decode(row)
        guard application.status == "pending" else { throw PartnerError.invalid(field: "application", reason: .notPending) }
        return application
    }
}

extension Optional {
    /// `map` with an async transform.
    func asyncMap<U>(_ transform: (Wrapped) async throws -> U) async rethrows -> U? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
