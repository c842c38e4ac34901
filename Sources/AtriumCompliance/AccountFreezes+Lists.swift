import AtriumStorage
import Foundation

extension AccountFreezes {
    /// Which of `clients` have an active freeze (for Finance's queue and the client page).
    public static func frozen(among clients: [UUID], in tx: TenantTransaction) async throws -> Set<UUID> {
        guard !clients.isEmpty else { return [] }
        var out: Set<UUID> = []
        for try await id in try await tx.query("""
            SELECT client_id FROM account_freezes WHERE lifted_at IS NULL AND client_id = ANY(\(clients))
            """).decode(UUID.self) { out.insert(id) }
        return out
    }
}
