import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// An IB's referral links: creation with a generated code, the list with its funnel figures, and
/// the click counter behind `/r/<code>`.
public enum PartnerLinks {
    /// Where a link sends its visitor.
    public enum Target: String, Sendable, CaseIterable {
        case landing, register
        case subIB = "sub_ib"

        /// The path `/r/<code>` redirects to.
        public func path(code: String) -> String {
            switch self {
            case .landing: "/"
            case .register: "/register"
            case .subIB: "/partners/apply?parent=\(code)"
            }
        }
    }

    /// One link with its funnel: clicks, registrations through it, of those KYC-verified and funded.
    public struct Link: Sendable, Equatable {
        public let id: UUID
        public let code: String
        public let campaign: String
        public let target: Target
        public let isDefault: Bool
        public let clicks: Int64
        public let registrations: Int
        public let verified: Int
        public let funded: Int
        public let createdAt: Date
    }

    public static let campaignMaxLength = 100
    static let codeAlphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")

    /// Checks a create-link form; each problem names its field. Returns the trimmed campaign and the target.
    public static func validate(campaign: String?, target: String?) throws(InputError) -> (campaign: String, target: Target) {
        let campaign = (campaign ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !campaign.isEmpty else { throw InputError(field: "campaign", reason: "required") }
        guard campaign.count <= campaignMaxLength else { throw InputError(field: "campaign", reason: "at most \(campaignMaxLength) characters") }
        guard let target = Target(rawValue: target ?? "") else {
            throw InputError(field: "target", reason: "one of " + Target.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return (campaign, target)
    }

    /// A new code: 10 characters from an alphabet without look-alikes (`^[A-Za-z0-9_-]{1,32}$`).
    public static func newCode() -> String {
        var rng = SystemRandomNumberGenerator()
        return String((0..<10).map { _ in codeAlphabet.randomElement(using: &rng) ?? "a" })
    }

    /// Creates a link for `partner`; a generated code that collides (case-insensitively) is drawn again.
    public static func create(partner: UUID, campaign: String, target: Target, in tx: TenantTransaction) async throws -> (id: UUID, code: String) {
        for _ in 0..<8 {
            let code = newCode()
            let rows = try await tx.query("""
                INSERT INTO partner_links (partner_id, code, campaign, target) VALUES (\(partner), \(code), \(campaign), \(target.rawValue))
                ON CONFLICT (lower(code)) DO NOTHING RETURNING id
                """).collect()
            if let id = try rows.first?.decode(UUID.self) { return (id, code) }
        }
        throw PartnerPortalError.codeSpaceExhausted
    }

    /// The links of `partner`, default first, with their funnel figures.
    public static func list(partner: UUID, in tx: TenantTransaction) async throws -> [Link] {
        try await links(where: "l.partner_id = $1", partner, in: tx)
    }

    /// One link of `partner` by id; nil when it is another partner's or does not exist.
    public static func find(_ id: UUID, partner: UUID, in tx: TenantTransaction) async throws -> Link? {
        try await links(where: "l.partner_id = $1 AND l.id = $2", partner, id, in: tx).first
    }

    private static func links(where condition: String, _ partner: UUID, _ link: UUID? = nil, in tx: TenantTransaction) async throws -> [Link] {
        var binds = PostgresBindings()
        binds.append(partner)
        if let link { binds.append(link) }
        // Registrations are the clients whose registration attribution came through the link
        // (staff reassignments are not the link's doing); verified = KYC approved; funded = a
        // succeeded deposit.
        let sql = """
            SELECT l.id, l.code, l.campaign, l.target, l.is_default, l.clicks, l.created_at,
                   count(a.client_id)::int,
                   count(a.client_id) FILTER (WHERE u.kyc_status = 'approved')::int,
                   count(a.client_id) FILTER (WHERE EXISTS (SELECT 1 FROM payments p WHERE p.user_id = a.client_id
                                                             AND p.kind = 'deposit' AND p.status = 'succeeded'))::int
            FROM partner_links l
            LEFT JOIN (SELECT DISTINCT link_id, client_id FROM client_attributions WHERE reason = 'registration') a ON a.link_id = l.id
            LEFT JOIN users u ON u.id = a.client_id
            WHERE \(condition)
            GROUP BY l.id
            ORDER BY l.is_default DESC, l.created_at, l.code
            """
        var out: [Link] = []
        for try await row in try await tx.query(PostgresQuery(unsafeSQL: sql, binds: binds)) {
            let (id, code, campaign, rawTarget, isDefault, clicks, created, registrations, verified, funded) =
                try row.decode((UUID, String, String, String, Bool, Int64, Date, Int, Int, Int).self)
            let target = try tx.stored(rawTarget, kind: "link_target", table: "partner_links", id: id) { Target(rawValue: $0) }
            out.append(Link(id: id, code: code, campaign: campaign, target: target, isDefault: isDefault, clicks: clicks,
                            registrations: registrations, verified: verified, funded: funded, createdAt: created))
        }
        return out
    }

    /// Counts one click on the link with `code` (case-insensitive) and returns where to send the
    /// visitor, with the code as stored; nil for an unknown code.
    public static func click(code: String, in tx: TenantTransaction) async throws -> (code: String, target: Target)? {
        let rows = try await tx.query("UPDATE partner_links SET clicks = clicks + 1 WHERE lower(code) = lower(\(code)) RETURNING code, target").collect()
        guard let row = rows.first else { return nil }
        let (stored, rawTarget) = try row.decode((String, String).self)
        return (stored, try tx.stored(rawTarget, kind: "link_target", table: "partner_links", id: stored) { Target(rawValue: $0) })
    }
}

/// Failures of the portal's read and write models that are not the user's input.
public enum PartnerPortalError: Error, Sendable {
    /// Eight generated codes in a row were taken: practically impossible with 56^10 codes.
    case codeSpaceExhausted
}
