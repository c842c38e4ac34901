import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// Gives clients to a Sales agent (`client_agents`, one agent per client), one or many at once.
/// Callers check that the staff member holds `clients.all` and `clients.edit`.
public enum ClientAssignments {
    /// Assigns every client in `clients` to `agent`, or nothing: an empty list, an agent who is not
    /// active staff, or any id that is not a trader of this brand refuses the whole batch. Each
    /// change is audited; returns how many clients changed agent.
    @discardableResult
    public static func assign(_ clients: [UUID], to agent: UUID?, actor: String, requestID: String,
                              in tx: TenantTransaction) async throws -> Int {
        let ids = Array(Set(clients)).sorted { $0.uuidString < $1.uuidString }
        guard !ids.isEmpty else { throw CRMFieldError("clients", .required) }
        guard ids.count <= 500 else { throw CRMFieldError("clients", .tooLong) }
        let agent = try await CRMStaff.requireActive(agent, field: "agent", in: tx)
        let found = try await tx.query("SELECT count(*)::int FROM users WHERE id = ANY(\(ids)) AND audience = 'trader'").collect()
        guard try found.first?.decode(Int.self) == ids.count else { throw CRMFieldError("clients", .notFound) }
        // Sorted ids and row locks keep two bulk assignments from deadlocking or losing a change.
        let previous = try await tx.query("SELECT client_id, agent_id FROM client_agents WHERE client_id = ANY(\(ids)) ORDER BY client_id FOR UPDATE")
        var before: [UUID: UUID] = [:]
        for try await (client, old) in previous.decode((UUID, UUID).self) { before[client] = old }
        var changed = 0
        for client in ids where before[client] != agent {
            try await tx.query("""
                INSERT INTO client_agents (client_id, agent_id, assigned_at, assigned_by) VALUES (\(client), \(agent), now(), \(actor))
                ON CONFLICT (client_id) DO UPDATE SET agent_id = EXCLUDED.agent_id, assigned_at = EXCLUDED.assigned_at, assigned_by = EXCLUDED.assigned_by
                """)
            try await AuditLog.append(AuditEntry(actor: actor, action: "client.agent_assigned", subject: "trader:\(client.uuidString.lowercased())",
                                                 before: try CanonicalJSON.object(["agent": before[client]?.uuidString.lowercased()]),
                                                 after: try CanonicalJSON.object(["agent": agent.uuidString.lowercased()]), requestID: requestID), in: tx)
            changed += 1
        }
        return changed
    }
}
