import Foundation
import PostgresNIO

/// One fact for the audit trail: who did what to which subject, with the state before and after
/// (JSON text) and the request that carried it.
public struct AuditEntry: Sendable, Equatable {
    public var actor: String
    public var action: String
    public var subject: String
    public var before: String?
    public var after: String?
    public var requestID: String

    public init(actor: String, action: String, subject: String = "", before: String? = nil, after: String? = nil, requestID: String = "") {
        self.actor = actor
        self.action = action
        self.subject = subject
        self.before = before
        self.after = after
        self.requestID = requestID
    }
}

/// A stored audit row, as shown in the Back Office.
public struct AuditRecord: Sendable, Equatable {
    public var seq: Int64
    public var at: Date
    public var actor: String
    public var action: String
    public var subject: String
    public var requestID: String
}

/// The append-only, hash-chained audit log of a tenant (or of the platform). The chain is built
/// in SQL under a table lock, so concurrent appends cannot fork it. A tenant's entries are chained
/// when their transaction commits (migration 0031), so the lock is taken last and cannot deadlock
/// with the transaction's row locks.
public enum AuditLog {
    /// Queues an entry for the current tenant's log. It is chained, and gets its sequence number, when
    /// the transaction commits; if the transaction rolls back, it is not written.
    public static func append(_ e: AuditEntry, in tx: TenantTransaction) async throws {
        _ = try await append(e, on: tx.connection, logger: tx.logger, function: "audit_append")
    }

    /// Appends to the platform's log (operator actions).
    @discardableResult
    public static func appendPlatform(_ e: AuditEntry, on conn: PostgresConnection, logger: Logger) async throws -> Int64 {
        try await append(e, on: conn, logger: logger, function: "platform.audit_append")
    }

    /// Returns the first sequence number whose hash or link does not match, or `nil` when intact.
    public static func verify(in tx: TenantTransaction) async throws -> Int64? {
        try await tx.query("SELECT audit_verify()").collect().first?.decode(Int64?.self)
    }

    public static func verifyPlatform(on conn: PostgresConnection, logger: Logger) async throws -> Int64? {
        try await conn.query("SELECT platform.audit_verify()", logger: logger).collect().first?.decode(Int64?.self)
    }

    /// The platform's own log (`platform.audit_log`, the operators' trail), newest first: up to
    /// `limit` entries with a sequence number below `before` (nil: the newest).
    public static func platformPage(before: Int64?, limit: Int, on conn: PostgresConnection, logger: Logger) async throws -> [AuditRecord] {
        let rows = try await conn.query("""
            SELECT seq, at, actor, action, subject, request_id FROM platform.audit_log
            WHERE \(before)::bigint IS NULL OR seq < \(before) ORDER BY seq DESC LIMIT \(limit)
            """, logger: logger)
        var out: [AuditRecord] = []
        for try await (seq, at, actor, action, subject, rid) in rows.decode((Int64, Date, String, String, String, String).self) {
            out.append(AuditRecord(seq: seq, at: at, actor: actor, action: action, subject: subject, requestID: rid))
        }
        return out
    }

    /// The newest entries first.
    public static func recent(limit: Int, in tx: TenantTransaction) async throws -> [AuditRecord] {
        try await tx.query("SELECT seq, at, actor, action, subject, request_id FROM audit_log ORDER BY seq DESC LIMIT \(limit)")
            .collect().map { row in
                let (seq, at, actor, action, subject, rid) = try row.decode((Int64, Date, String, String, String, String).self)
                return AuditRecord(seq: seq, at: at, actor: actor, action: action, subject: subject, requestID: rid)
            }
    }

    /// `function` is one of the two constants above, never input.
    private static func append(_ e: AuditEntry, on conn: PostgresConnection, logger: Logger, function: StaticString) async throws -> Int64 {
        let rows = try await conn.query("""
            SELECT \(unescaped: "\(function)")(\(e.actor), \(e.action), \(e.subject), \(e.before)::jsonb, \(e.after)::jsonb, \(e.requestID))
            """, logger: logger).collect()
        return try rows.first?.decode(Int64.self) ?? 0
    }
}
