import AtriumIdentity
import AtriumStorage
import Foundation

/// Which clients a staff member may see. Staff holding `clients.all` see every client of the brand;
/// everyone else (built-in Sales, custom roles without it) sees only the clients assigned to them in
/// `client_agents`. The filter lives in the queries, never in templates: every query that lists or
/// loads clients for a staff member adds the predicate below with this scope's two binds.
///
///     WHERE … AND (\(scope.seesAll) OR EXISTS (SELECT 1 FROM client_agents ca
///                                           WHERE ca.client_id = u.id AND ca.agent_id = \(scope.agentID)))
public struct ClientScope: Sendable, Equatable {
    /// The agent whose clients are visible; nil when every client is.
    public let agent: UUID?

    /// Every client of the brand (staff with `clients.all`, jobs, the CLI).
    public static let everyone = ClientScope(agent: nil)

    /// Only the clients assigned to `agent`.
    public static func assigned(to agent: UUID) -> ClientScope { ClientScope(agent: agent) }

    /// The scope of a staff member with these permissions.
    public init(staff: UUID, permissions: Set<Permission>) {
        self.agent = permissions.contains(.clientsAll) ? nil : staff
    }

    private init(agent: UUID?) { self.agent = agent }

    /// First bind of the predicate: true when no assignment filter applies.
    public var seesAll: Bool { agent == nil }

    /// Second bind of the predicate: the agent (a nil UUID, never matching, when `seesAll`).
    public var agentID: UUID { agent ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)) }

    /// Whether `client` is a trader of this brand visible in this scope (false for unknown ids and
    /// for staff or IB users), so a route answers 404 for anything else.
    public func allows(_ client: UUID, in tx: TenantTransaction) async throws -> Bool {
        let rows = try await tx.query("""
            SELECT 1 FROM users u
            WHERE u.id = \(client) AND u.audience = 'trader'
              AND (\(seesAll) OR EXISTS (SELECT 1 FROM client_agents ca WHERE ca.client_id = u.id AND ca.agent_id = \(agentID)))
            """).collect()
        return !rows.isEmpty
    }
}
