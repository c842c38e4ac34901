import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// One recorded screening hit (`screening_hits`).
public struct ScreeningHit: Sendable, Equatable {
    public let id: UUID
    public let client: UUID
    public let versionID: UUID
    public let source: String
    public let entryRef: String
    public let entryChecksum: String
    public let entryName: String
    public let matchedName: String
    public let score: Double
    /// Nil only when the stored JSON no longer decodes (never for hits this code wrote).
    public let explanation: MatchExplanation?
    public let trigger: String
    public let status: String
    public let decidedBy: String?
    public let createdAt: Date
}

/// Queries behind screening, next to the domain code that owns them.
enum ScreeningQueries {
    static let select = """
        SELECT id, client_id, version_id, source, entry_ref, entry_checksum, entry_name, matched_name, score, explanation::text,
               trigger, status, decided_by, created_at FROM screening_hits
        """

    /// The subject for a client: name, country, and the date of birth from the KYC profile when given.
    static func subject(client: UUID, in tx: TenantTransaction) async throws -> ScreeningSubject? {
        guard let row = try await tx.query("""
            SELECT name, country, extract(year FROM date_of_birth)::int, extract(month FROM date_of_birth)::int, extract(day FROM date_of_birth)::int
            FROM users WHERE id = \(client) AND audience = 'trader'
            """).collect().first else { return nil }
        let (name, country, y, m, d) = try row.decode((String, String?, Int?, Int?, Int?).self)
        let dob: (year: Int, month: Int, day: Int)? = if let y, let m, let d { (y, m, d) } else { nil }
        return ScreeningSubject(name: name, dateOfBirth: dob, country: (country?.isEmpty ?? true) ? nil : country)
    }

    /// Remembered false positives: "source/ref" → the checksum the reviewer saw.
    static func dismissals(client: UUID, in tx: TenantTransaction) async throws -> [String: String] {
        var out: [String: String] = [:]
        for try await (source, ref, checksum) in try await tx.query("""
            SELECT source, entry_ref, entry_checksum FROM screening_dismissals WHERE client_id = \(client)
            """).decode((String, String, String).self) {
            out["\(source)/\(ref)"] = checksum
        }
        return out
    }

    static func hits(client: UUID, statuses: [String], in tx: TenantTransaction) async throws -> [ScreeningHit] {
        try await all("\(unescaped: select) WHERE client_id = \(client) AND status = ANY(\(statuses)) ORDER BY score DESC, created_at", in: tx)
    }

    static func all(_ query: PostgresQuery, in tx: TenantTransaction) async throws -> [ScreeningHit] {
        var out: [ScreeningHit] = []
        for try await (id, client, version, source, ref, checksum, entryName, matched, score, explanation, trigger, status, by, at) in try await tx.query(query)
            .decode((UUID, UUID, UUID, String, String, String, String, String, Double, String, String, String, String?, Date).self) {
            out.append(ScreeningHit(id: id, client: client, versionID: version, source: source, entryRef: ref, entryChecksum: checksum,
                                    entryName: entryName, matchedName: matched, score: score,
                                    explanation: try? JSONDecoder().decode(MatchExplanation.self, from: Data(explanation.utf8)),
                                    trigger: trigger, status: status, decidedBy: by, createdAt: at))
        }
        return out
    }

    static func insertHit(client: UUID, match: ScreeningMatch, trigger: ScreeningTrigger, in tx: TenantTransaction) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let explanation = String(decoding: try encoder.encode(match.explanation), as: UTF8.self)
        let score = min(1, max(0, match.score))
        try await tx.query("""
            INSERT INTO screening_hits (client_id, version_id, source, entry_ref, entry_checksum, entry_name, matched_name, score, explanation, trigger)
            VALUES (\(client), \(match.entry.versionID), \(match.entry.source), \(match.entry.ref), \(match.entry.checksum), \(match.entry.primaryName),
                    \(match.explanation.matchedName), \(score), \(explanation)::jsonb, \(trigger.rawValue))
            """)
    }

    /// KYC reason code of a sanctions hit (`KYCReason.sanctionsHit` in AtriumKYC).
    static let reviewReason = "sanctions_hit"

    /// Puts the client in the Compliance queue with the sanctions reason (kept with any other reasons).
    static func flagForReview(client: UUID, in tx: TenantTransaction) async throws {
        try await tx.query("""
            UPDATE users SET kyc_status = 'submitted',
                   kyc_reasons = CASE WHEN \(reviewReason) = ANY(kyc_reasons) THEN kyc_reasons ELSE kyc_reasons || \(reviewReason) END
            WHERE id = \(client)
            """)
        try await AuditLog.append(AuditEntry(actor: "screening", action: "kyc.review", subject: "trader:\(client.uuidString.lowercased())",
                                             after: try CanonicalJSON.object(["reason": reviewReason]), requestID: ""), in: tx)
    }
}
