import AtriumCore
import AtriumStorage
import Foundation

/// What a reviewer decides about an open hit.
public enum ScreeningDecision: String, Sendable, CaseIterable {
    /// The client is the listed person: the account is frozen.
    case confirm
    /// Not the listed person: remembered for this client and entry until the entry changes.
    case falsePositive = "false_positive"
}

/// Refusals of a screening decision, mapped to statuses at the edge.
public enum ScreeningError: Error, Equatable, UserFacingError {
    /// No such hit for this client in this brand.
    case hitNotFound
    /// The hit was already decided or superseded.
    case hitNotOpen

    public var status: Int { self == .hitNotFound ? 404 : 409 }
    public var publicMessage: String { self == .hitNotFound ? "error_screening_hit_not_found" : "error_screening_hit_not_open" }
}

extension Screening {
    /// The client's hits, newest first (every status), for the case page.
    public static func hits(client: UUID, in tx: TenantTransaction) async throws -> [ScreeningHit] {
        try await ScreeningQueries.all("\(unescaped: ScreeningQueries.select) WHERE client_id = \(client) ORDER BY created_at DESC, score DESC", in: tx)
    }

    /// Decides an open hit of `client`: confirm freezes the account (origin sanctions, reference the
    /// hit); false positive remembers the entry's checksum. Both are audited. A hit of another client
    /// (or another brand: the tenant transaction cannot see it) is not found.
    public static func decide(hit: UUID, client: UUID, decision: ScreeningDecision, actor: String, requestID: String,
                              in tx: TenantTransaction) async throws {
        guard let found = try await ScreeningQueries.all("\(unescaped: ScreeningQueries.select) WHERE id = \(hit) AND client_id = \(client) FOR UPDATE",
                                                         in: tx).first else { throw ScreeningError.hitNotFound }
        guard found.status == "open" else { throw ScreeningError.hitNotOpen }
        let status = decision == .confirm ? "confirmed" : "false_positive"
        try await tx.query("""
            UPDATE screening_hits SET status = \(status), decided_by = \(actor), decided_at = now() WHERE id = \(hit)
            """)
        switch decision {
        case .confirm:
            try await AccountFreezes.freeze(client, origin: .sanctions, reference: hit,
                                            reason: "Sanctions hit confirmed: \(found.entryName) (\(found.source.uppercased()) \(found.entryRef))",
                                            actor: actor, requestID: requestID, in: tx)
        case .falsePositive:
            try await tx.query("""
                INSERT INTO screening_dismissals (client_id, source, entry_ref, entry_checksum, decided_by)
                VALUES (\(client), \(found.source), \(found.entryRef), \(found.entryChecksum), \(actor))
                ON CONFLICT (client_id, source, entry_ref) DO UPDATE
                SET entry_checksum = EXCLUDED.entry_checksum, decided_by = EXCLUDED.decided_by, decided_at = now()
                """)
        }
        try await AuditLog.append(AuditEntry(actor: actor, action: "screening.\(status)", subject: "trader:\(client.uuidString.lowercased())",
                                             after: try CanonicalJSON.object(["hit": hit.uuidString.lowercased(), "source": found.source,
                                                                             "entry_ref": found.entryRef, "entry_checksum": found.entryChecksum,
                                                                             "score": String(format: "%.3f", found.score)]),
                                             requestID: requestID), in: tx)
    }
}

/// A frozen account refuses money movements with a clear message, never a 500.
extension AccountFrozen: UserFacingError {
    public var status: Int { 403 }
    public var publicMessage: String { "error_account_frozen" }
}
