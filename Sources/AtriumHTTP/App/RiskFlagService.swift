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
            let counters = await activity?.counters()
            for (handle, _) in try await brands() {
                if let activity, !activity.isDue(handle.schema.name, counters: counters) { continue }
                do {
                    let added = try await tenantDB.transaction(handle) { tx in try await RiskFlags.run(in: tx) }
                    activity?.ran(handle.schema.name, counters: counters)
                    if added > 0 { logger.info("risk flags raised", metadata: ["tenant": "\(handle.slug)", "added": "\(added)"]) }
                } catch {
                    logger.warning("risk flags failed", metadata: ["tenant": "\(handle.slug)", "error": "\(error)"])
                }
            }
        }
    }
}
