import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// The leads pipeline: every trader of the brand is a lead at a stage (no `leads` row = `new`).
/// Staff move leads between new, contacted and documents, or mark them lost with a reason; a lead
/// becomes funded only through its first succeeded deposit (the trigger of migration 0019), and a
/// funded lead no longer moves. Every move writes `lead_events` and the audit log.
public enum Leads {
    /// A pipeline stage, in board order.
    public enum Stage: String, Sendable, CaseIterable {
        case new, contacted, documents, funded, lost

        /// The stages staff may move a lead to (funded comes from a deposit).
        public static let manual: [Stage] = [.new, .contacted, .documents, .lost]
    }

    /// A lead as shown on the board.
    public struct Lead: Sendable, Equatable {
        public let clientID: UUID
        public let name: String
        public let email: String
        public let country: String
        public let registeredAt: Date
        public let stage: Stage
        public let lostReason: String
        public let changedAt: Date?
        public let agentID: UUID?
        public let agent: String
    }

    /// Up to `limit` leads of `stage` visible in `scope`, most recently moved (or registered) first.
    public static func list(_ stage: Stage, scope: ClientScope, limit: Int = 100, in tx: TenantTransaction) async throws -> [Lead] {
        let rows = try await tx.query("""
            SELECT u.id, u.name, u.email, u.country, u.created_at, coalesce(l.stage, 'new'), coalesce(l.lost_reason, ''), l.changed_at,
                   ca.agent_id, coalesce(nullif(a.name, ''), a.email, '')
            FROM users u
            LEFT JOIN leads l ON l.client_id = u.id
            LEFT JOIN client_agents ca ON ca.client_id = u.id
            LEFT JOIN users a ON a.id = ca.agent_id
            WHERE u.audience = 'trader' AND coalesce(l.stage, 'new') = \(stage.rawValue)
              AND (\(scope.seesAll) OR ca.agent_id = \(scope.agentID))
            ORDER BY coalesce(l.changed_at, u.created_at) DESC, u.id
            LIMIT \(limit)
            """)
        var out: [Lead] = []
        for try await row in rows {
            let (id, name, email, country, registered, stage, reason, changed, agentID, agent) =
                try row.decode((UUID, String, String, String, Date, String, String, Date?, UUID?, String).self)
            out.append(Lead(clientID: id, name: name, email: email, country: country, registeredAt: registered, stage: Stage(rawValue: stage) ?? .new,
                            lostReason: reason, changedAt: changed, agentID: agentID, agent: agent))
        }
        return out
    }

    /// How many leads visible in `scope` are at each stage.
    public static func counts(scope: ClientScope, in tx: TenantTransaction) async throws -> [Stage: Int] {
        let rows = try await tx.query("""
            SELECT coalesce(l.stage, 'new'), count(*)::int
            FROM users u
            LEFT JOIN leads l ON l.client_id = u.id
            LEFT JOIN client_agents ca ON ca.client_id = u.id
            WHERE u.audience = 'trader' AND (\(scope.seesAll) OR ca.agent_id = \(scope.agentID))
            GROUP BY 1
            """)
        var out: [Stage: Int] = [:]
        for try await (stage, n) in rows.decode((String, Int).self) {
            if let s = Stage(rawValue: stage) { out[s] = n }
        }
        return out
    }

    /// The stage of `client` (a trader visible in `scope`), or nil when it is not one.
    public static func stage(of client: UUID, scope: ClientScope, in tx: TenantTransaction) async throws -> Stage? {
        guard try await scope.allows(client, in: tx) else { return nil }
        let rows = try await tx.query("SELECT stage FROM leads WHERE client_id = \(client)").collect()
        return try rows.first.map { Stage(rawValue: try $0.decode(String.self)) ?? .new } ?? .new
    }

    /// Moves `client` to the stage named `to` (lost needs a reason). Refuses an unknown stage,
    /// `funded` (a deposit sets it), a funded lead, lost without a reason, and a client outside
    /// `scope` (404). Moving to the current stage changes nothing; returns whether it moved.
    @discardableResult
    public static func move(_ client: UUID, to: String, reason: String, scope: ClientScope, actor: String, requestID: String,
                            in tx: TenantTransaction) async throws -> Bool {
        guard let target = Stage(rawValue: to.trimmingCharacters(in: .whitespaces)) else { throw CRMFieldError("stage", .invalid) }
        guard target != .funded else { throw CRMFieldError("stage", .automatic) }
        let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        if target == .lost {
            guard !why.isEmpty else { throw CRMFieldError("reason", .required) }
            guard why.count <= 500 else { throw CRMFieldError("reason", .tooLong) }
        }
        guard try await scope.allows(client, in: tx) else { throw CRMFieldError("client", .notFound) }
        let rows = try await tx.query("SELECT stage, coalesce(lost_reason, '') FROM leads WHERE client_id = \(client) FOR UPDATE").collect()
        let (current, currentReason) = try rows.first?.decode((String, String).self) ?? ("new", "")
        guard current != Stage.funded.rawValue else { throw CRMFieldError("stage", .funded) }
        let lostReason: String? = target == .lost ? why : nil
        if current == target.rawValue && (lostReason ?? "") == currentReason { return false }
        // The guard keeps a deposit's `funded` (set by the trigger in a concurrent transaction) from being overwritten.
        let written = try await tx.query("""
            INSERT INTO leads (client_id, stage, lost_reason, changed_at, changed_by)
            VALUES (\(client), \(target.rawValue), \(lostReason), now(), \(actor))
            ON CONFLICT (client_id) DO UPDATE SET stage = EXCLUDED.stage, lost_reason = EXCLUDED.lost_reason,
                changed_at = EXCLUDED.changed_at, changed_by = EXCLUDED.changed_by
            WHERE leads.stage <> 'funded'
            RETURNING 1
            """).collect()
        guard !written.isEmpty else { throw CRMFieldError("stage", .funded) }
        try await tx.query("""
            INSERT INTO lead_events (client_id, from_stage, to_stage, reason, actor)
            VALUES (\(client), \(current), \(target.rawValue), \(lostReason), \(actor))
            """)
        try await AuditLog.append(AuditEntry(actor: actor, action: "lead.stage", subject: "trader:\(client.uuidString.lowercased())",
                                             before: try CanonicalJSON.object(["stage": current]),
                                             after: try CanonicalJSON.object(["stage": target.rawValue, "reason": lostReason]),
                                             requestID: requestID), in: tx)
        return true
    }
}
