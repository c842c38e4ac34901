import AtriumStorage
import Foundation

/// The webhook events of payment state changes: a deposit that succeeds, any payment that fails,
/// a withdrawal that is paid. Called from the one place every payment status change goes through.
enum PaymentWebhooks {
    /// Records the event `status` implies for `p`, if any, in the transaction of the change.
    static func record(_ p: PaymentRecord, to status: PaymentStatus, settled: Int64?, failureReason: String?, in tx: TenantTransaction) async throws {
        let type: WebhookEventType
        switch (p.kind, status) {
        case (.deposit, .succeeded): type = .paymentSucceeded
        case (_, .failed): type = .paymentFailed
        case (.withdrawal, .paid): type = .withdrawalPaid
        default: return
        }
        var fields = data(id: p.id, reference: p.reference, kind: p.kind.rawValue, client: p.userID, psp: p.pspID,
                          minor: settled ?? p.settledAmount ?? p.amount, currency: p.currency.code, status: status.rawValue)
        if status == .failed { fields["failure_reason"] = .string(failureReason ?? p.failureReason) }
        try await WebhookEvents.record(type, fields, in: tx)
    }

    /// The `data` of a payment event; `amount` is what was settled when known, else what was asked.
    static func data(id: UUID, reference: String, kind: String, client: UUID, psp: String, minor: Int64, currency: String,
                     status: String) -> [String: WebhookValue] {
        ["payment_id": .id(id), "reference": .string(reference), "kind": .string(kind), "client_id": .id(client), "psp": .string(psp),
         "amount": .money(minor: minor, currency: currency), "status": .string(status)]
    }
}
