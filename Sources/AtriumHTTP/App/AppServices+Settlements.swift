import AtriumBrandConfig
import AtriumPartners
import AtriumStorage
import AtriumWork
import Foundation
import Logging

extension AppServices {
    /// Commission settlement over this process's tenant database. `ATRIUM_FAILPOINT=settlement-after-posting`
    /// (tests only; production refuses to start with a failpoint) exits the process between the
    /// ledger transfer and the marking, as a killed worker would.
    public var settlements: CommissionSettlements {
        let failpoint = config.failpoint
        let logger = logger
        return CommissionSettlements(tenantDB: tenantDB, logger: logger) { point in
            guard failpoint == point else { return }
            logger.critical("failpoint \(point): exiting")
            exit(137)
        }
    }
}

extension CommissionSettlements {
    /// The tables whose changes settlement reads.
    static let watchedTables = ["commission_lines", "commission_settlements"]

    /// The recurring settlement job: every minute, each active brand's closed periods are settled
    /// and approved settlements posted. A pass that finds nothing to do costs one query per brand;
    /// with `activity`, only brands whose commission lines or settlements changed run, and every
    /// brand at least once per sweep (a period that closed with no change waits for it).
    static func recurring(_ settlements: CommissionSettlements, brands: @escaping @Sendable () async throws -> [(handle: TenantHandle, config: TenantConfig)],
                          every interval: Duration = .seconds(60), activity: TableActivity? = nil, logger: Logger) -> RecurringService {
        RecurringService(name: "commission-settlement", every: interval, logger: logger) {
            let pass = await ActivityPass(activity)
            for (handle, config) in try await brands() {
                do {
                    try await pass.ifDue(handle.schema.name) { try await settlements.run(tenant: handle, program: config.partnerProgram) }
                } catch {
                    logger.warning("commission settlement failed", metadata: ["tenant": "\(handle.slug)", "error": "\(error)"])
                }
            }
        }
    }
}
