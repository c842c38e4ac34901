import AtriumCore
import Foundation
import Logging
import PostgresNIO

/// A tenant's audit chain head as recorded on the platform side.
public struct AuditAnchor: Sendable, Equatable {
    public let tenantID: UUID
    public let seq: Int64
    public let hash: [UInt8]
    public let at: Date
}

/// What verifying a tenant's chain, links and anchor, found.
public enum AuditChainStatus: Sendable, Equatable, CustomStringConvertible {
    /// Every row links and the anchored head is still there (`head` is 0 for an empty chain).
    case intact(head: Int64)
    /// The first row whose hash or link does not match.
    case broken(seq: Int64)
    /// Rows were removed from the tail: the anchored row `anchoredSeq` is missing or differs;
    /// the chain now ends at `head`.
    case truncated(anchoredSeq: Int64, head: Int64)

    public var isIntact: Bool { if case .intact = self { true } else { false } }

    public var description: String {
        switch self {
        case .intact(let head): "intact up to seq \(head)"
        case .broken(let seq): "broken at seq \(seq)"
        case .truncated(let anchored, let head): "truncated: anchored seq \(anchored) is gone (chain ends at seq \(head))"
        }
    }
}

/// Anchors each tenant's audit chain head in `platform.audit_anchors` (and the platform audit
/// chain), and verifies tenant chains against their latest anchor.
public enum AuditAnchors {
    /// Records `tenant`'s current chain head unless it is already the latest anchor. Returns the
    /// latest anchor afterwards (`nil` for an empty chain with no anchor).
    @discardableResult
    public static func anchor(_ tenant: TenantHandle, tenantDB: TenantDB) async throws -> AuditAnchor? {
        let database = tenantDB.database
        let head = try await tenantDB.transaction(tenant) { tx in
            try await tx.query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").collect().first?.decode((Int64, ByteBuffer).self)
        }
        let previous = try await latest(tenant.id, database: database)
        guard let (seq, hashBuffer) = head else { return previous }
        let hash = Array(buffer: hashBuffer)
        if let previous, previous.seq == seq, previous.hash == hash { return previous }
        return try await database.platform { conn in
            let row = try await conn.query("""
                INSERT INTO platform.audit_anchors (tenant_id, seq, hash) VALUES (\(tenant.id), \(seq), \(hashBuffer)) RETURNING at
                """, logger: database.logger).collect().first
            let at = try row?.decode(Date.self) ?? Date()
            try await AuditLog.appendPlatform(AuditEntry(actor: "system", action: "audit.anchored", subject: tenant.slug,
                                                         after: try CanonicalJSON.object(["seq": seq, "hash": Token.hex(hash)])),
                                              on: conn, logger: database.logger)
            return AuditAnchor(tenantID: tenant.id, seq: seq, hash: hash, at: at)
        }
    }

    /// The newest anchor of a tenant.
    public static func latest(_ tenantID: UUID, database: Database) async throws -> AuditAnchor? {
        try await database.platform { conn in
            try await conn.query("""
                SELECT seq, hash, at FROM platform.audit_anchors WHERE tenant_id = \(tenantID) ORDER BY seq DESC, id DESC LIMIT 1
                """, logger: database.logger).collect().first.map { row in
                let (seq, hash, at) = try row.decode((Int64, ByteBuffer, Date).self)
                return AuditAnchor(tenantID: tenantID, seq: seq, hash: Array(buffer: hash), at: at)
            }
        }
    }

    /// Verifies the links of `tenant`'s chain, then that the latest anchored row is still there
    /// with the anchored hash. The anchor is read first: the chain only grows after it.
    public static func verify(_ tenant: TenantHandle, tenantDB: TenantDB) async throws -> AuditChainStatus {
        let anchor = try await latest(tenant.id, database: tenantDB.database)
        return try await tenantDB.transaction(tenant) { tx in
            if let broken = try await AuditLog.verify(in: tx) { return .broken(seq: broken) }
            let head = try await tx.query("SELECT coalesce(max(seq), 0) FROM audit_log").collect().first?.decode(Int64.self) ?? 0
            guard let anchor else { return .intact(head: head) }
            let stored = try await tx.query("SELECT hash FROM audit_log WHERE seq = \(anchor.seq)").collect().first?.decode(ByteBuffer.self)
            guard let stored, Array(buffer: stored) == anchor.hash else {
                tx.logger.error("audit chain truncated", metadata: ["tenant": "\(tenant.slug)", "anchored_seq": "\(anchor.seq)", "head": "\(head)"])
                return .truncated(anchoredSeq: anchor.seq, head: head)
            }
            return .intact(head: head)
        }
    }
}
