import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// Staff tasks (table `tasks`): created with a title, details, a due time in UTC, an active staff
/// assignee and optionally a client; closed as done or cancelled. A task about a client is only
/// visible to, and only created or changed by, staff whose `ClientScope` sees that client.
public enum Tasks {
    /// A task's state; only open tasks change.
    public enum Status: String, Sendable, CaseIterable {
        case open, done, cancelled
    }

    /// Which tasks a list shows.
    public enum Filter: String, Sendable, CaseIterable {
        case open, done, all
    }

    /// A task as listed.
    public struct Item: Sendable, Equatable {
        public let id: UUID
        public let title: String
        public let details: String
        public let dueAt: Date
        public let status: Status
        public let assigneeID: UUID
        public let assignee: String
        public let createdBy: UUID
        public let creator: String
        public let clientID: UUID?
        public let client: String
        public let completedAt: Date?

        /// Open and past its due time.
        public func isOverdue(at now: Date) -> Bool { status == .open && dueAt < now }
    }

    /// What a staff member fills in to create a task.
    public struct Draft: Sendable {
        public var title: String
        public var details: String
        public var dueAt: String
        public var assignee: UUID?
        public var client: UUID?

        /// A draft from the form's fields (the due time as `yyyy-MM-ddTHH:mm`, UTC).
        public init(title: String, details: String, dueAt: String, assignee: UUID?, client: UUID?) {
            (self.title, self.details, self.dueAt, self.assignee, self.client) = (title, details, dueAt, assignee, client)
        }
    }

    /// Parses a due time in UTC: `yyyy-MM-ddTHH:mm` (what `<input type="datetime-local">` sends),
    /// with optional seconds, or with a space instead of the `T`.
    public static func dueDate(_ text: String) throws -> Date {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw CRMFieldError("due_at", .required) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.isLenient = false
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm"] {
            f.dateFormat = format
            // Round-tripping refuses what the formatter would silently roll over (2026-02-30).
            if let date = f.date(from: trimmed), f.string(from: date) == trimmed,
               let year = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC") ?? .current, from: date).year,
               (2000...2100).contains(year) {
                return date
            }
        }
        throw CRMFieldError("due_at", .invalid)
    }

    /// Creates a task by `staff`; returns its id. Refuses an empty or long title, long details, a bad
    /// due time, an assignee who is not active staff, and a client outside `scope` (404).
    public static func create(_ draft: Draft, by staff: UUID, scope: ClientScope, actor: String, requestID: String,
                              in tx: TenantTransaction) async throws -> UUID {
        let title = draft.title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty else { throw CRMFieldError("title", .required) }
        guard title.count <= 200 else { throw CRMFieldError("title", .tooLong) }
        guard draft.details.count <= 5000 else { throw CRMFieldError("details", .tooLong) }
        let due = try dueDate(draft.dueAt)
        let assignee = try await CRMStaff.requireActive(draft.assignee, field: "assignee", in: tx)
        if let client = draft.client, !(try await scope.allows(client, in: tx)) { throw CRMFieldError("client", .notFound) }
        let rows = try await tx.query("""
            INSERT INTO tasks (client_id, title, details, due_at, assignee_id, created_by)
            VALUES (\(draft.client), \(title), \(draft.details), \(due), \(assignee), \(staff)) RETURNING id
            """).collect()
        guard let id = try rows.first?.decode(UUID.self) else { throw CRMFieldError("title", .invalid) }
        try await AuditLog.append(AuditEntry(actor: actor, action: "task.created", subject: "task:\(id.uuidString.lowercased())",
                                             after: try CanonicalJSON.object(["title": title, "assignee": assignee.uuidString.lowercased(),
                                                                              "client": draft.client?.uuidString.lowercased(),
                                                                              "due_at": due.formatted(.iso8601)]),
                                             requestID: requestID), in: tx)
        return id
    }

    /// Tasks assigned to `assignee` (everyone's when nil) with `filter`, hiding tasks about clients
    /// outside `scope`. Open tasks come first, by due time (so overdue ones lead), then closed ones,
    /// most recently closed first.
    public static func list(assignee: UUID?, filter: Filter, scope: ClientScope, limit: Int = 200,
                            in tx: TenantTransaction) async throws -> [Item] {
        let status = filter == .all ? nil : (filter == .open ? "open" : "done")
        let rows = try await tx.query("""
            SELECT t.id, t.title, t.details, t.due_at, t.status, t.assignee_id, coalesce(nullif(a.name, ''), a.email),
                   t.created_by, coalesce(nullif(c.name, ''), c.email), t.client_id, coalesce(nullif(u.name, ''), u.email, ''), t.completed_at
            FROM tasks t
            JOIN users a ON a.id = t.assignee_id
            JOIN users c ON c.id = t.created_by
            LEFT JOIN users u ON u.id = t.client_id
            WHERE (\(assignee)::uuid IS NULL OR t.assignee_id = \(assignee))
              AND (\(status)::text IS NULL OR t.status = \(status) OR (\(status)::text = 'done' AND t.status = 'cancelled'))
              AND (t.client_id IS NULL OR \(scope.seesAll)
                   OR EXISTS (SELECT 1 FROM client_agents ca WHERE ca.client_id = t.client_id AND ca.agent_id = \(scope.agentID)))
            ORDER BY (t.status = 'open') DESC, CASE WHEN t.status = 'open' THEN t.due_at END ASC, t.completed_at DESC NULLS LAST
            LIMIT \(limit)
            """)
        var out: [Item] = []
        for try await row in rows {
            let (id, title, details, due, status, assigneeID, assignee, creatorID, creator, clientID, client, completed) =
                try row.decode((UUID, String, String, Date, String, UUID, String, UUID, String, UUID?, String, Date?).self)
            out.append(Item(id: id, title: title, details: details, dueAt: due, status: Status(rawValue: status) ?? .open, assigneeID: assigneeID,
                            assignee: assignee, createdBy: creatorID, creator: creator, clientID: clientID, client: client, completedAt: completed))
        }
        return out
    }

    /// Closes an open task as done or cancelled. Only its assignee, its creator or staff holding
    /// `clients.all` (`managesAll`) may; a task about a client outside `scope` is a 404.
    public static func close(_ id: UUID, as status: Status, by staff: UUID, managesAll: Bool, scope: ClientScope, actor: String,
                             requestID: String, in tx: TenantTransaction) async throws {
        guard status != .open else { throw CRMFieldError("status", .invalid) }
        let rows = try await tx.query("SELECT status, assignee_id, created_by, client_id FROM tasks WHERE id = \(id) FOR UPDATE").collect()
        guard let row = rows.first else { throw CRMFieldError("task", .notFound) }
        let (current, assignee, creator, client) = try row.decode((String, UUID, UUID, UUID?).self)
        if let client, !(try await scope.allows(client, in: tx)) { throw CRMFieldError("task", .notFound) }
        guard managesAll || staff == assignee || staff == creator else { throw CRMFieldError("task", .notAllowed) }
        guard current == Status.open.rawValue else { throw CRMFieldError("task", .notOpen) }
        try await tx.query("UPDATE tasks SET status = \(status.rawValue), completed_at = now() WHERE id = \(id)")
        try await AuditLog.append(AuditEntry(actor: actor, action: "task.\(status.rawValue)", subject: "task:\(id.uuidString.lowercased())",
                                             before: try CanonicalJSON.object(["status": current]),
                                             after: try CanonicalJSON.object(["status": status.rawValue]), requestID: requestID), in: tx)
    }
}
