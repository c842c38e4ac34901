import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// Which IB a client belongs to (`client_attributions`, effective-dated). The first row comes
/// from registration, and the first valid code wins: once a client has an attribution, no later
/// code changes it; only staff reassign, from a date on, and commissions before that date stay
/// with the old IB.
public enum Attribution {
    /// A link code resolved to the active partner behind it.
    public struct Referral: Sendable, Equatable {
        public let partnerID: UUID
        public let linkID: UUID
    }

    /// The active partner and link behind `code` (any target), or nil for an unknown code or a
    /// suspended partner.
    public static func resolve(code: String, in tx: TenantTransaction) async throws -> Referral? {
        guard PartnerInput.isCode(code) else { return nil }
        return try await tx.query("""
            SELECT l.partner_id, l.id FROM partner_links l JOIN partners p ON p.id = l.partner_id
            WHERE lower(l.code) = lower(\(code)) AND p.status = 'active'
            """).collect().first.map { row in
            let (partner, link) = try row.decode((UUID, UUID).self)
            return Referral(partnerID: partner, linkID: link)
        }
    }

    /// At registration, inside the registration transaction: attributes `client` to the partner of
    /// `code` when the code resolves and the client has no attribution yet. An IB's own trader
    /// account (the partner's `trader_id`, or the same email as the IB's sign-in) is never
    /// attributed to that IB. Returns the partner when a row was written.
    @discardableResult
    public static func recordRegistration(client: UUID, code: String?, in tx: TenantTransaction) async throws -> UUID? {
        guard let code, let referral = try await resolve(code: code, in: tx) else { return nil }
        return try await tx.query("""
            INSERT INTO client_attributions (client_id, partner_id, link_id, effective_from, reason)
            SELECT c.id, \(referral.partnerID), \(referral.linkID), now(), 'registration'
            FROM users c JOIN partners p ON p.id = \(referral.partnerID) JOIN users ib ON ib.id = p.user_id
            WHERE c.id = \(client) AND c.audience = 'trader'
              AND p.trader_id IS DISTINCT FROM c.id AND lower(ib.email) <> lower(c.email)
              AND NOT EXISTS (SELECT 1 FROM client_attributions a WHERE a.client_id = c.id)
            ON CONFLICT (client_id, effective_from) DO NOTHING
            RETURNING partner_id
            """).collect().first?.decode(UUID.self)
    }

    /// The client's IB at `at`, or nil when the client had none then.
    public static func owner(of client: UUID, at: Date = Date(), in tx: TenantTransaction) async throws -> UUID? {
        try await tx.query("""
            SELECT partner_id FROM client_attributions WHERE client_id = \(client) AND effective_from <= \(at)
            ORDER BY effective_from DESC LIMIT 1
            """).collect().first?.decode(UUID.self)
    }

    /// Staff give `client` (a trader, by id or email) to `partner` from `effectiveFrom` on, audited.
    /// Refused, naming the field: an unknown client, a partner that is not active, the IB's own
    /// trader account, or the IB that already owns the client then.
    public static func reassign(client reference: String, to partner: UUID, effectiveFrom: Date, note: String, by staff: UUID, actor: String,
                                requestID: String, in tx: TenantTransaction) async throws -> UUID {
        let note = try PartnerInput.text(note, field: "note", max: 1000, required: false)
        let ref = try PartnerInput.text(reference, field: "client", max: 254)
        guard let row = try await tx.query("""
            SELECT id, audience, email FROM users WHERE (id::text = lower(\(ref)) OR lower(email) = lower(\(ref))) ORDER BY audience = 'trader' DESC LIMIT 1
            """).collect().first else { throw PartnerError.invalid(field: "client", reason: .notFound) }
        let (client, audience, email) = try row.decode((UUID, String, String).self)
        guard audience == "trader" else { throw PartnerError.invalid(field: "client", reason: .notTrader) }
        guard let target = try await tx.query("""
            SELECT p.status, p.trader_id, u.email FROM partners p JOIN users u ON u.id = p.user_id WHERE p.id = \(partner)
            """).collect().first else { throw PartnerError.invalid(field: "partner", reason: .notFound) }
        let (status, trader, ibEmail) = try target.decode((String, UUID?, String).self)
        guard status == "active" else { throw PartnerError.invalid(field: "partner", reason: .notActive) }
        guard trader != client, ibEmail.lowercased() != email.lowercased() else { throw PartnerError.invalid(field: "partner", reason: .ownAccount) }
        let before = try await owner(of: client, at: effectiveFrom, in: tx)
        guard before != partner else { throw PartnerError.invalid(field: "partner", reason: .sameOwner) }
        let inserted = try await tx.query("""
            INSERT INTO client_attributions (client_id, partner_id, effective_from, reason, note, created_by)
            VALUES (\(client), \(partner), \(effectiveFrom), \(before == nil ? "created_by_staff" : "reassigned"), \(note), \(staff))
            ON CONFLICT (client_id, effective_from) DO NOTHING RETURNING id
            """).collect()
        guard !inserted.isEmpty else { throw PartnerError.invalid(field: "effective_date", reason: .taken) }
        try await AuditLog.append(AuditEntry(actor: actor, action: "partner.client.reassigned", subject: "client:\(client.uuidString.lowercased())",
                                             before: try CanonicalJSON.object(["partner": before?.uuidString.lowercased() ?? ""]),
                                             after: try CanonicalJSON.object(["partner": partner.uuidString.lowercased(),
                                                                              "effective_from": effectiveFrom.formatted(.iso8601),
                                                                              "note": note]),
                                             requestID: requestID), in: tx)
        return client
    }
}
