import AtriumStorage
import Foundation

/// Where a freeze came from.
public enum FreezeOrigin: String, Sendable, CaseIterable {
    /// A confirmed sanctions hit.
    case sanctions
    /// An AML case decided "freeze".
    case aml
    /// Compliance froze the account by hand.
    case manual
}

/// An active freeze on a client's account.
public struct AccountFreeze: Sendable, Equatable {
    public let id: UUID
    public let client: UUID
    public let origin: FreezeOrigin
    public let reference: UUID?
    public let reason: String
    public let frozenBy: String
    public let frozenAt: Date
}

/// Thrown by money paths (deposits, withdrawals, transfers) when the client's account is frozen.
public struct AccountFrozen: Error, Sendable, Equatable {
    public let client: UUID
    public init(client: UUID) { self.client = client }
}

/// Account freezes (`account_freezes`, tenant migration 0024). An active freeze blocks deposits,
/// withdrawals and transfers; every money path calls `ensureNotFrozen` inside its own transaction,
/// and Finance sees the freeze on the client. Freezing and lifting are audited.
public enum AccountFreezes {
    /// The client's active freeze, if any.
    public static func active(_ client: UUID, in tx: TenantTransaction) async throws -> AccountFreeze? {
        try await tx.query("""
            SELECT id, origin, reference, reason, frozen_by, frozen_at FROM account_freezes
            WHERE client_id = \(client) AND lifted_at IS NULL
            """).collect().first.map { row in
                let (id, origin, reference, reason, by, at) = try row.decode((UUID, String, UUID?, String, String, Date).self)
                return AccountFreeze(id: id, client: client, origin: FreezeOrigin(rawValue: origin) ?? .manual, reference: reference,
                                     reason: reason, frozenBy: by, frozenAt: at)
            }
    }

    /// Throws `AccountFrozen` when the client has an active freeze. Takes a share lock on the
    /// client's row, so a freeze committed concurrently is either seen here or waits for this
    /// transaction (a money movement never slips past a freeze that committed before it).
    public static func ensureNotFrozen(_ client: UUID, in tx: TenantTransaction) async throws {
        _ = try await tx.query("SELECT 1 FROM users WHERE id = \(client) FOR SHARE").collect()
        if try await active(client, in: tx) != nil { throw AccountFrozen(client: client) }
    }

    /// Freezes the client's account; when a freeze is already active it is returned unchanged.
    @discardableResult
    public static func freeze(_ client: UUID, origin: FreezeOrigin, reference: UUID?, reason: String, actor: String,
                              requestID: String = "", in tx: TenantTransaction) async throws -> UUID {
        _ = try await tx.query("SELECT 1 FROM users WHERE id = \(client) FOR UPDATE").collect()
        if let existing = try await active(client, in: tx) { return existing.id }
        let id = try await tx.query("""
            INSERT INTO account_freezes (client_id, origin, reference, reason, frozen_by)
            VALUES (\(client), \(origin.rawValue), \(reference), \(reason), \(actor)) RETURNING id
            """).collect().first?.decode(UUID.self) ?? UUID()
        try await AuditLog.append(AuditEntry(actor: actor, action: "account.frozen", subject: client.uuidString.lowercased(),
                                             after: try CanonicalFreeze.json(origin: origin, reference: reference, reason: reason),
                                             requestID: requestID), in: tx)
        return id
    }

    /// Lifts the client's active freeze; returns false when there was none.
    @discardableResult
    public static func lift(_ client: UUID, reason: String, actor: String, requestID: String = "", in tx: TenantTransaction) async throws -> Bool {
        let lifted = try await tx.query("""
            UPDATE account_freezes SET lifted_by = \(actor), lifted_at = now()
            WHERE client_id = \(client) AND lifted_at IS NULL RETURNING id
            """).collect()
        guard !lifted.isEmpty else { return false }
        try await AuditLog.append(AuditEntry(actor: actor, action: "account.unfrozen", subject: client.uuidString.lowercased(),
                                             after: try CanonicalFreeze.json(origin: nil, reference: nil, reason: reason),
                                             requestID: requestID), in: tx)
        return true
    }
}

/// The audit payload of a freeze or lift, encoded with an encoder.
enum CanonicalFreeze {
    struct Payload: Encodable {
        let origin: String?
        let reference: String?
        let reason: String
    }

    static func json(origin: FreezeOrigin?, reference: UUID?, reason: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(Payload(origin: origin?.rawValue, reference: reference?.uuidString.lowercased(), reason: reason))
        return String(decoding: data, as: UTF8.self)
    }
}
