import AtriumLedger
import AtriumPayments

/// View model of one reconciliation difference: the PSP's and the ledger's figures next to the
/// amount the payment was requested at, with its status and review reasons.
enum ReconciliationView {
    static func line(_ l: ReconciliationLine, t: [String: String]) -> [String: Any] {
        let currency = l.currency.flatMap(Currency.init)
        func text(_ minor: Int64?) -> String {
            guard let minor else { return "—" }
            return currency.map { Money(minor: minor, currency: $0).amountText } ?? "\(minor)"
        }
        return [
            "reference": l.reference, "requested": text(l.requestedAmount), "currency": l.currency ?? "",
            "psp": text(l.pspAmount), "ledger": text(l.ledgerAmount), "status": l.status ?? "",
            "statusLabel": l.status.map { t["payment_status_\($0)"] ?? $0 } ?? "—",
            "reasons": l.reviewReasons.map { ["code": $0, "label": t["review_reason_\($0)"] ?? $0] },
        ]
    }
}
