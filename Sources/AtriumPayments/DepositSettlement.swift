import AtriumLedger

/// What a PSP's success event settles a deposit at, decided before any money moves.
public enum DepositSettlement: Sendable, Equatable {
    /// Credit the wallet with this many minor units of the payment's currency.
    case credit(Int64)
    /// Credit nothing; Finance reviews the payment (reason `amount_mismatch`).
    case review(reason: String)

    /// Review reason of a card payment answered with another amount or currency.
    public static let amountMismatch = "amount_mismatch"

    /// A card checkout was created for an exact amount, so its success settles only at that
    /// amount and currency; anything else (including a missing figure) waits for a person.
    /// Crypto invoices settle at what actually arrived (under- and over-payment, see
    /// docs/PAYMENTS.md), in the invoice's currency.
    public static func decide(pspType: String, requested: Money, reportedAmount: Int64?, reportedCurrency: String?) -> DepositSettlement {
        if pspType == "crypto" {
            return .credit(reportedAmount.flatMap { $0 > 0 ? $0 : nil } ?? requested.minor)
        }
        guard reportedAmount == requested.minor, reportedCurrency == requested.currency.code else {
            return .review(reason: amountMismatch)
        }
        return .credit(requested.minor)
    }

    /// A PSP's figure as text: `999999.00 USD`, or the raw minor units when the currency is unknown.
    public static func text(amount: Int64?, currency: String?) -> String {
        guard let amount else { return "no amount" }
        guard let code = currency, let known = Currency(code) else { return "\(amount) minor units of \(currency ?? "no currency")" }
        return Money(minor: amount, currency: known).description
    }
}
