import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// A decision on an AML case.
public enum AMLDecision: String, Sendable, CaseIterable {
    case dismiss, escalate, freeze

    /// The case status the decision leaves.
    var status: String {
        switch self {
        case .dismiss: "dismissed"
        case .escalate: "escalated"
        case .freeze: "frozen"
        }
    }
}

/// A row of the cases list.
public struct AMLCaseSummary: Sendable, Equatable {
    public let id: UUID
    public let client: UUID
    public let clientName: String
    public let clientEmail: String
    public let status: String
    public let rules: [String]
    public let alerts: Int
    public let assignee: String?
    public let openedAt: Date
}

/// One alert as the case page shows it.
public struct AMLAlertRecord: Sendable, Equatable {
    public let id: UUID
    public let rule: String
    public let facts: String
    public let createdAt: Date
}

/// A note on a case (append-only).
public struct AMLCaseNote: Sendable, Equatable {
    public let author: String
    public let body: String
    public let createdAt: Date
}

/// A case with everything its page shows.
public struct AMLCaseDetail: Sendable {
    public let summary: AMLCaseSummary
    public let assigneeID: UUID?
    public let decidedBy: String?
    public let decisionNote: String?
    public let alerts: [AMLAlertRecord]
    public let notes: [AMLCaseNote]
    public let frozen: Bool
}

/// AML cases: the list, a case, notes, the assignee and decisions. Every change is audited.
public enum AMLCases {
    /// Cases, open and escalated first, then newest; `status` and `rule` filter when given.
    public static func list(status: String?, rule: String?, in tx: TenantTransaction) async throws -> [AMLCaseSummary] {
        try await tx.query("""
            SELECT c.id, c.client_id, u.name, u.email, c.status,
                   ARRAY(SELECT DISTINCT a.rule FROM aml_alerts a WHERE a.case_id = c.id ORDER BY a.rule),
                   (SELECT count(*) FROM aml_alerts a WHERE a.case_id = c.id)::bigint, s.name, c.opened_at
            FROM aml_cases c JOIN users u ON u.id = c.client_id LEFT JOIN users s ON s.id = c.assignee_id
            WHERE (\(status)::text IS NULL OR c.status = \(status))
              AND (\(rule)::text IS NULL OR EXISTS (SELECT 1 FROM aml_alerts a WHERE a.case_id = c.id AND a.rule = \(rule)))
            ORDER BY (c.status IN ('open', 'escalated')) DESC, c.opened_at DESC
            LIMIT 500
            """).collect().map(summary)
    }

    static func summary(_ row: PostgresRow) throws -> AMLCaseSummary {
        let (id, client, name, email, status, rules, alerts, assignee, opened) =
            try row.decode((UUID, UUID, String, String, String, [String], Int64, String?, Date).self)
        return AMLCaseSummary(id: id, client: client, clientName: name, clientEmail: email, status: status, rules: rules,
                              alerts: Int(alerts), assignee: assignee, openedAt: opened)
    }

    /// A case with its alerts and notes, or nil when this brand has no such case.
    public static func detail(_ id: UUID, in tx: TenantTransaction) async throws -> AMLCaseDetail? {
        guard let row = try await tx.query("""
            SELECT c.id, c.client_id, u.name, u.email, c.status,
                   ARRAY(SELECT DISTINCT a.rule FROM aml_alerts a WHERE a.case_id = c.id ORDER BY a.rule),
                   (SELECT count(*) FROM aml_alerts a WHERE a.case_id = c.id)::bigint, s.name, c.opened_at,
                   c.assignee_id, c.decided_by, c.decision_note
            FROM aml_cases c JOIN users u ON u.id = c.client_id LEFT JOIN users s ON s.id = c.assignee_id
            WHERE c.id = \(id)
            """).collect().first else { return nil }
        let summary = try summary(row)
        let (_, _, _, _, _, _, _, _, _, assigneeID, decidedBy, note) =
            try row.decode((UUID, UUID, String, String, String, [String], Int64, String?, Date, UUID?, String?, String?).self)
        let alerts = try await tx.query("""
            SELECT id, rule, facts::text, created_at FROM aml_alerts WHERE case_id = \(id) ORDER BY created_at, rule
            """).collect().map { r in
                let (aid, rule, facts, at) = try r.decode((UUID, String, String, Date).self)
                return AMLAlertRecord(id: aid, rule: rule, facts: facts, createdAt: at)
            }
        // Authors are stored as actors (`staff:<id>`); the page shows the staff member's name.
        let notes = try await tx.query("""
            SELECT COALESCE(NULLIF(s.name, ''), s.email, n.author), n.body, n.created_at
            FROM aml_case_notes n LEFT JOIN users s ON n.author = 'staff:' || s.id::text
            WHERE n.case_id = \(id) ORDER BY n.created_at, n.id
            """).collect().map { r in
                let (author, body, at) = try r.decode((String, String, Date).self)
                return AMLCaseNote(author: author, body: body, createdAt: at)
            }
        let frozen = try await AccountFreezes.active(summary.client, in: tx) != nil
        return AMLCaseDetail(summary: summary, assigneeID: assigneeID, decidedBy: decidedBy, decisionNote: note,
                             alerts: alerts, notes: notes, frozen: frozen)
    }

    /// Active staff who can be assigned a case.
    public static func assignableStaff(in tx: TenantTransaction) async throws -> [(id: UUID, name: String)] {
        try await tx.query("""
            SELECT id, CASE WHEN name <> '' THEN name ELSE email END FROM users
            WHERE audience = 'staff' AND status = 'active' ORDER BY 2
            """).collect().map { try $0.decode((UUID, String).self) }
    }

    /// Appends a note; the body must be 1–5000 characters.
    public static func addNote(_ id: UUID, body: String, actor: String, requestID: String, in tx: TenantTransaction) async throws {
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...5_000).contains(text.count) else { throw InputError(field: "body", reason: "a note of 1 to 5000 characters") }
        guard try await exists(id, in: tx) else { throw AMLCaseNotFound() }
        _ = try await tx.query("INSERT INTO aml_case_notes (case_id, author, body) VALUES (\(id), \(actor), \(text))").collect()
        try await AuditLog.append(AuditEntry(actor: actor, action: "aml.case_note_added", subject: id.uuidString.lowercased(),
                                             after: try AMLAlerts.factsJSON(["body": .text(text)]), requestID: requestID), in: tx)
    }

    /// Sets (or clears, with nil) the assignee, who must be active staff.
    public static func assign(_ id: UUID, to staff: UUID?, actor: String, requestID: String, in tx: TenantTransaction) async throws {
        guard try await exists(id, in: tx) else { throw AMLCaseNotFound() }
        if let staff, try await tx.query("""
            SELECT 1 FROM users WHERE id = \(staff) AND audience = 'staff' AND status = 'active'
            """).collect().isEmpty {
            throw InputError(field: "assignee", reason: "an active staff member")
        }
        _ = try await tx.query("UPDATE aml_cases SET assignee_id = \(staff) WHERE id = \(id)").collect()
        try await AuditLog.append(AuditEntry(actor: actor, action: "aml.case_assigned", subject: id.uuidString.lowercased(),
                                             after: try AMLAlerts.factsJSON(["assignee_id": .text(staff?.uuidString.lowercased() ?? "")]),
                                             requestID: requestID), in: tx)
    }

    /// Decides an open or escalated case. Freezing freezes the client's account (origin aml, the case as reference).
    public static func decide(_ id: UUID, _ decision: AMLDecision, note: String, actor: String, requestID: String,
                              in tx: TenantTransaction) async throws {
        let text = note.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...2_000).contains(text.count) else { throw InputError(field: "note", reason: "a reason of 1 to 2000 characters") }
        guard let row = try await tx.query("SELECT client_id, status FROM aml_cases WHERE id = \(id) FOR UPDATE").collect().first else {
            throw AMLCaseNotFound()
        }
        let (client, status) = try row.decode((UUID, String).self)
        guard ["open", "escalated"].contains(status) else { throw InputError(field: "decision", reason: "a case that is still open", status: 409) }
        _ = try await tx.query("""
            UPDATE aml_cases SET status = \(decision.status), decided_by = \(actor), decided_at = now(), decision_note = \(text)
            WHERE id = \(id)
            """).collect()
        if decision == .freeze {
            try await AccountFreezes.freeze(client, origin: .aml, reference: id, reason: text, actor: actor, requestID: requestID, in: tx)
        }
        try await AuditLog.append(AuditEntry(actor: actor, action: "aml.case_decided", subject: id.uuidString.lowercased(),
                                             before: try AMLAlerts.factsJSON(["status": .text(status)]),
                                             after: try AMLAlerts.factsJSON(["status": .text(decision.status), "note": .text(text),
                                                                             "client_id": .text(client.uuidString.lowercased())]),
                                             requestID: requestID), in: tx)
    }

    static func exists(_ id: UUID, in tx: TenantTransaction) async throws -> Bool {
        try await !tx.query("SELECT 1 FROM aml_cases WHERE id = \(id)").collect().isEmpty
    }
}

/// The case is not in this brand (or does not exist): a 404, never a hint about other brands.
public struct AMLCaseNotFound: UserFacingError, Equatable {
    public init() {}
    public var status: Int { 404 }
    public var publicMessage: String { "aml_error_not_found" }
}
