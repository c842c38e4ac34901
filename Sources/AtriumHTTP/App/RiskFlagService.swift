import AtriumBrandConfig
import AtriumCompliance
import AtriumStorage
import AtriumWork
import Foundation
import Logging

/// Computes the trading risk flags in the background: every five minutes, per active brand, one
/// transaction of `RiskFlags.run` over the deals the trading sync stored. Re-runs add nothing
/// for deals already judged (fingerprints), so the interval only sets how soon a flag appears.
enum RiskFlagService {
    /// The tables whose changes the flags read: with `activity`, a brand whose deals did not change
    /// runs only once per sweep.
    static let watchedTables = ["platform_deals", "trading_accounts"]

    static func recurring(tenantDB: TenantDB, brands: @escaping @Sendable () async throws -> [(handle: TenantHandle, config: TenantConfig)],
                          every interval: Duration = .seconds(300), activity: TableActivity? = nil, logger: Logger) -> RecurringService {
        RecurringService(name: "risk-flags", every: interval, logger: logger) {
            let pass = await ActivityPass(activity)
            for (handle, _) in try await brands() {
                do {
                    let added = try await pass.ifDue(handle.schema.name) {
                        try await tenantDB.transaction(handle) { tx in try await RiskFlags.run(in: tx) }
                    }
                    if let added, added > 0 { logger.info("risk flags raised", metadata: ["tenant": "\(handle.slug)", "added": "\(added)"]) }
                } catch {
                    logger.warning("risk flags failed", metadata: ["tenant": "\(handle.slug)", "error": "\(error)"])
                }
            }
        }
    }
}
