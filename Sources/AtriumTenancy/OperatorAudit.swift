import AtriumStorage
import Foundation
import Logging
import PostgresNIO

/// One row of the platform audit log as the console lists it.
public struct OperatorAuditEntry: Sendable, Equatable {
    public var seq: Int64
    public var at: Date
    public var actor: String
    public var action: String
    public var subject: String
    public var requestID: String
}

/// The operators' own audit trail (`platform.audit_log`), newest first, a page at a time.
public enum OperatorAudit {
    /// Up to `limit` entries with a sequence number below `before` (nil: the newest).
    public static func page(before: Int64?, limit: Int, on conn: PostgresConnection, logger: Logger) async throws -> [OperatorAuditEntry] {
        let rows = try await conn.query("""
            SELECT seq, at, actor, action, subject, request_id FROM platform.audit_log
            WHERE \(before)::bigint IS NULL OR seq < \(before) ORDER BY seq DESC LIMIT \(limit)
            """, logger: logger)
        var out: [OperatorAuditEntry] = []
        for try await (seq, at, actor, action, subject, rid) in rows.decode((Int64, Date, String, String, String, String).self) {
            out.append(OperatorAuditEntry(seq: seq, at: at, actor: actor, action: action, subject: subject, requestID: rid))
        }
        return out
    }
}
