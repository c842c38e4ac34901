import AtriumStorage
import AtriumBrandConfig
import AtriumWork
import Foundation

/// Runs the payments jobs: inbox processing (also the replay after a crash), checkout expiry,
/// and payouts (retried with the queue's backoff while the PSP is down).
public struct PaymentJobHandler: JobHandler {
    let payments: Payments
    let brand: @Sendable (UUID) async throws -> (TenantHandle, TenantConfig)?

    public init(payments: Payments, brand: @escaping @Sendable (UUID) async throws -> (TenantHandle, TenantConfig)?) {
        self.payments = payments
        self.brand = brand
    }

    public var kinds: [String] { [PaymentJobs.inbox, PaymentJobs.expire, PaymentJobs.payout] }

    public func perform(_ job: Job) async throws {
        guard let tenantID = job.tenantID, let (handle, config) = try await brand(tenantID) else { return }
        let payload = (try? JSONSerialization.jsonObject(with: Data(job.payload.utf8))) as? [String: Any] ?? [:]
        switch job.kind {
        case PaymentJobs.inbox:
            guard let id = (payload["inbox"] as? NSNumber)?.int64Value else { return }
            try await payments.processInbox(tenant: handle, brand: config, inboxID: id)
        case PaymentJobs.expire:
            guard let id = (payload["payment"] as? String).flatMap(UUID.init(uuidString:)) else { return }
            try await payments.expire(tenant: handle, payment: id)
        case PaymentJobs.payout:
            guard let id = (payload["payment"] as? String).flatMap(UUID.init(uuidString:)) else { return }
            try await payments.sendPayout(tenant: handle, brand: config, payment: id)
        default:
            return
        }
    }
}
