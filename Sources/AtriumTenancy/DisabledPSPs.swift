import AtriumBrandConfig
import AtriumStorage
import Foundation

/// PSPs a brand had in an earlier configuration version but not now: disabling a PSP removes it
/// from the brand (the brand file has no `enabled` flag), and this is how it comes back with its
/// settings, bank details and secret references intact.
public enum DisabledPSPs {
    /// Each PSP id missing from `current`, with its settings from the newest of the last `limit`
    /// versions that had it.
    public static func list(current: TenantConfig, limit: Int = 50, in tx: TenantTransaction) async throws -> [TenantConfig.PSPConfig] {
        let active = Set((current.psps ?? []).map(\.id))
        var found: [String: TenantConfig.PSPConfig] = [:]
        var order: [String] = []
        let decoder = JSONDecoder()
        for try await text in try await tx.query("SELECT config::text FROM brand_config_versions ORDER BY version DESC LIMIT \(limit)").decode(String.self) {
            // A version written by an older Atrium may not decode; it simply offers nothing.
            guard let config = try? decoder.decode(TenantConfig.self, from: Data(text.utf8)) else { continue }
            for psp in config.psps ?? [] where !active.contains(psp.id) && found[psp.id] == nil {
                found[psp.id] = psp
                order.append(psp.id)
            }
        }
        return order.compactMap { found[$0] }
    }
}
