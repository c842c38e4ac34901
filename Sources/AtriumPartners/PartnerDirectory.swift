import AtriumCore
import AtriumIdentity
import AtriumStorage
import Foundation
import PostgresNIO

/// Creating IBs and finding them: the one place that writes a new partner with its sign-in, its
/// default link and its first plan (approval of an application and staff creation both come here).
public enum PartnerDirectory {
    /// What a new IB is made of.
    public struct NewPartner: Sendable {
        public var name: String
        public var email: String
        public var country: String
        /// The portal password (argon2id); nil: the IB is invited to choose one.
        public var passwordHash: String?
        /// The same person's trader account, when known (its accounts are the IB's own).
        public var traderID: UUID?
        public var planID: UUID
        public var parentID: UUID?
        /// Wallet currency: the brand's default (`partners.default_currency`).
        public var currency: String
        public var createdBy: UUID?

        public init(name: String, email: String, country: String = "", passwordHash: String?, traderID: UUID? = nil, planID: UUID,
                    parentID: UUID? = nil, currency: String, createdBy: UUID?) {
            self.name = name
            self.email = email
            self.country = country
            self.passwordHash = passwordHash
            self.traderID = traderID
            self.planID = planID
            self.parentID = parentID
            self.currency = currency
            self.createdBy = createdBy
        }
    }

    /// The rows a new IB got.
    public struct Created: Sendable, Equatable {
        public let partnerID: UUID
        public let userID: UUID
        /// The code of the default link.
        public let code: String
    }

    /// Creates the `ib` user, the partner row, the default link, the plan assignment effective now,
    /// and the parent edge when one is given. Throws `PartnerError` (nothing usable is left: the
    /// caller's transaction rolls back).
    public static func create(_ p: NewPartner, in tx: TenantTransaction) async throws -> Created {
        guard try await planExists(p.planID, in: tx) else { throw PartnerError.invalid(field: "plan_id", reason: .notFound) }
        if let parent = p.parentID, try await status(of: parent, in: tx) == nil { throw PartnerError.invalid(field: "parent", reason: .notFound) }
        let email = p.email.lowercased()
        guard let user = try await Users.create(audience: .ib, email: email, name: p.name, country: p.country, passwordHash: p.passwordHash,
                                                status: p.passwordHash == nil ? "invited" : "active", in: tx) else {
            throw PartnerError.invalid(field: "email", reason: .alreadyPartner)
        }
        var trader = p.traderID
        if trader == nil { trader = try await Users.find(audience: .trader, email: email, in: tx) }
        guard let partner = try await tx.query("""
            INSERT INTO partners (user_id, trader_id, wallet_currency, created_by) VALUES (\(user), \(trader), \(p.currency), \(p.createdBy))
            RETURNING id
            """).collect().first?.decode(UUID.self) else { throw PartnerError.invalid(field: "email", reason: .invalid) }
        let code = try await insertDefaultLink(partner: partner, in: tx)
        try await tx.query("""
            INSERT INTO partner_plans (partner_id, plan_id, effective_from, created_by) VALUES (\(partner), \(p.planID), now(), \(p.createdBy))
            """)
        if let parent = p.parentID {
            try await tx.query("""
                INSERT INTO partner_parents (partner_id, parent_id, effective_from, note, created_by)
                VALUES (\(partner), \(parent), now(), 'joined', \(p.createdBy))
                """)
        }
        return Created(partnerID: partner, userID: user, code: code)
    }

    /// Letters and digits that cannot be mistaken for one another when read aloud or typed.
    static let codeAlphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")

    /// A random code of `length` characters from `codeAlphabet`.
    public static func randomCode(length: Int = 8) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in codeAlphabet[Int(generator.next(upperBound: UInt64(codeAlphabet.count)))] })
    }

    /// The default link (campaign `default`, target `register`) under a fresh unique code; a code
    /// already taken (case-insensitively) is drawn again.
    static func insertDefaultLink(partner: UUID, in tx: TenantTransaction) async throws -> String {
        for _ in 0..<8 {
            let code = randomCode()
            let rows = try await tx.query("""
                INSERT INTO partner_links (partner_id, code, campaign, target, is_default) VALUES (\(partner), \(code), 'default', 'register', true)
                ON CONFLICT (lower(code)) DO NOTHING RETURNING id
                """).collect()
            if !rows.isEmpty { return code }
        }
        throw PartnerError.invalid(field: "code", reason: .taken)
    }

    static func planExists(_ plan: UUID, in tx: TenantTransaction) async throws -> Bool {
        try await !tx.query("SELECT 1 FROM commission_plans WHERE id = \(plan)").collect().isEmpty
    }

    /// The partner's status (`active`, `suspended`), or nil when there is no such partner here.
    public static func status(of partner: UUID, in tx: TenantTransaction) async throws -> String? {
        try await tx.query("SELECT status FROM partners WHERE id = \(partner)").collect().first?.decode(String.self)
    }

    /// The partner a staff member means by `reference`: a partner id, the IB's email, or the code
    /// of one of its links. Nil when nothing matches.
    public static func resolve(_ reference: String, in tx: TenantTransaction) async throws -> UUID? {
        let ref = reference.trimmingCharacters(in: .whitespaces)
        guard !ref.isEmpty else { return nil }
        if let id = UUID(uuidString: ref) { return try await status(of: id, in: tx) == nil ? nil : id }
        return try await tx.query("""
            SELECT p.id FROM partners p JOIN users u ON u.id = p.user_id WHERE u.audience = 'ib' AND lower(u.email) = lower(\(ref))
            UNION SELECT l.partner_id FROM partner_links l WHERE lower(l.code) = lower(\(ref))
            LIMIT 1
            """).collect().first?.decode(UUID.self)
    }

    /// The active partner behind a sub-IB link code (target `sub_ib`), or nil.
    public static func subIBParent(code: String, in tx: TenantTransaction) async throws -> UUID? {
        guard PartnerInput.isCode(code) else { return nil }
        return try await tx.query("""
            SELECT l.partner_id FROM partner_links l JOIN partners p ON p.id = l.partner_id
            WHERE lower(l.code) = lower(\(code)) AND l.target = 'sub_ib' AND p.status = 'active'
            """).collect().first?.decode(UUID.self)
    }
}

extension PartnerDirectory {
    /// Staff create an IB directly: no password yet, so the IB is `invited` and gets a single-use
    /// invitation to choose one at `/partners/invite/<token>`. Audited. Returns the rows and the token.
    public static func invite(_ p: NewPartner, actor: String, requestID: String, in tx: TenantTransaction) async throws -> (Created, String) {
        var p = p
        p.name = try PartnerInput.text(p.name, field: "name", max: 200)
        p.email = try PartnerInput.email(p.email)
        p.passwordHash = nil
        let created = try await create(p, in: tx)
        let token = try await Invitations.create(user: created.userID, in: tx)
        try await AuditLog.append(AuditEntry(actor: actor, action: "partner.created", subject: "partner:\(created.partnerID.uuidString.lowercased())",
                                             after: try CanonicalJSON.object(["email": p.email, "plan": p.planID.uuidString.lowercased(),
                                                                              "parent": p.parentID?.uuidString.lowercased() ?? "", "code": created.code]),
                                             requestID: requestID), in: tx)
        return (created, token)
    }
}
