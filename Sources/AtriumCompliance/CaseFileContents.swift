import Foundation

/// One audit row as exported in a case file, with exactly the text the SQL hash was computed
/// over (`audit_row_hash`, tenant migration 0002), so it can be re-hashed offline.
public struct CaseFileAuditRow: Codable, Sendable, Equatable {
    public var seq: Int64
    /// `(extract(epoch FROM at) * 1000000)::bigint::text`, the time as the hash input spells it.
    public var atMicros: String
    /// The same instant, ISO 8601, for people.
    public var at: String
    public var actor: String
    public var action: String
    public var subject: String
    /// `before::text` (PostgreSQL's jsonb text form), nil for SQL NULL.
    public var before: String?
    public var after: String?
    public var requestID: String
    /// Hex of `prev_hash` and `hash`.
    public var prevHash: String
    public var hash: String

    public init(seq: Int64, atMicros: String, at: String, actor: String, action: String, subject: String, before: String?, after: String?,
                requestID: String, prevHash: String, hash: String) {
        self.seq = seq; self.atMicros = atMicros; self.at = at; self.actor = actor; self.action = action; self.subject = subject
        self.before = before; self.after = after; self.requestID = requestID; self.prevHash = prevHash; self.hash = hash
    }

    enum CodingKeys: String, CodingKey {
        case seq, at, actor, action, subject, before, after, hash
        case atMicros = "at_us", requestID = "request_id", prevHash = "prev_hash"
    }
}

/// The contiguous run of a tenant's audit chain a case file carries (`audit-segment.json`).
public struct CaseFileSegment: Codable, Sendable, Equatable {
    public var tenantID: String
    public var tenant: String
    public var rows: [CaseFileAuditRow]

    public init(tenantID: String, tenant: String, rows: [CaseFileAuditRow]) {
        self.tenantID = tenantID; self.tenant = tenant; self.rows = rows
    }

    enum CodingKeys: String, CodingKey { case tenant, rows, tenantID = "tenant_id" }
}

/// The platform's anchor of that tenant's chain (`platform.audit_anchors`, platform 0005), `anchor.json`.
public struct CaseFileAnchor: Codable, Sendable, Equatable {
    public var tenantID: String
    public var seq: Int64
    public var hash: String
    public var at: String

    public init(tenantID: String, seq: Int64, hash: String, at: String) {
        self.tenantID = tenantID; self.seq = seq; self.hash = hash; self.at = at
    }

    enum CodingKeys: String, CodingKey { case seq, hash, at, tenantID = "tenant_id" }
}

/// `manifest.json`: the SHA-256 (hex) of every other file in the ZIP.
public struct CaseFileManifest: Codable, Sendable, Equatable {
    public var format: String
    public var files: [String: String]

    public init(format: String = CaseFile.format, files: [String: String]) {
        self.format = format; self.files = files
    }
}

/// An audit entry the investigation cites as proof.
public struct CitedAuditEntry: Codable, Sendable, Equatable {
    public var seq: Int64
    public var action: String
    public var actor: String
    public var hash: String
    /// The previous row's hash this row links to (hex).
    public var prevHash: String

    public init(seq: Int64, action: String, actor: String, hash: String, prevHash: String) {
        self.seq = seq; self.action = action; self.actor = actor; self.hash = hash; self.prevHash = prevHash
    }

    enum CodingKeys: String, CodingKey { case seq, action, actor, hash, prevHash = "prev_hash" }
}
