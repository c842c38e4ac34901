import AtriumStorage
import AtriumBrandConfig
import AtriumWork
import Foundation

/// Runs the trading jobs: transfer recovery (retried with the queue's backoff while the
/// platform cannot be asked) and reconciliation runs.
public struct TradingJobHandler: JobHandler {
    let trading: Trading
    let brand: @Sendable (UUID) async throws -> (TenantHandle, TenantConfig)?

    public init(trading: Trading, brand: @escaping @Sendable (UUID) async throws -> (TenantHandle, TenantConfig)?) {
        self.trading = trading
        self.brand = brand
    }

    public var kinds: [String] { [TradingJobs.transfer, TradingJobs.reconcile] }

    public func perform(_ job: Job) async throws {
        guard let tenantID = job.tenantID, let (handle, config) = try await brand(tenantID) else { throw JobTenantUnavailable(job.tenantID) }
        switch job.kind {
        case TradingJobs.transfer:
            let id = try job.payload(TradingJobs.TransferPayload.self).transfer
            // A job naming no transfer can never succeed: it fails visibly instead of being marked done.
            guard try await trading.recover(tenant: handle, brand: config, transferID: id) != nil else {
                throw PermanentJobFailure("no trading transfer \(id.uuidString.lowercased()) in tenant \(handle.slug)")
            }
        case TradingJobs.reconcile:
            _ = try await trading.reconcile(tenant: handle, brand: config)
        default:
            throw PermanentJobFailure("no trading handler for kind \(job.kind)")
        }
    }
}
