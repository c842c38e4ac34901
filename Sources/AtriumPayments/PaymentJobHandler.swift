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
        guard let tenantID = job.tenantID, let (handle, config) = try await brand(tenantID) else { throw JobTenantUnavailable(job.tenantID) }
        switch job.kind {
        case PaymentJobs.inbox:
            try await payments.processInbox(tenant: handle, brand: config, inboxID: try job.payload(PaymentJobs.InboxPayload.self).inbox)
        case PaymentJobs.expire:
            try await payments.expire(tenant: handle, payment: try job.payload(PaymentJobs.PaymentPayload.self).payment)
        case PaymentJobs.payout:
            try await payments.sendPayout(tenant: handle, brand: config, payment: try job.payload(PaymentJobs.PaymentPayload.self).payment)
        default:
            throw PermanentJobFailure("no payments handler for kind \(job.kind)")
        }
    }
}
