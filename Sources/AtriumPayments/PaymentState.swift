import Foundation

public enum PaymentKind: String, Sendable {
    case deposit
    case withdrawal
}

/// Every state a payment can be in. Deposits: created → pending → succeeded | failed, then
/// refunded | charged_back, or review when a card PSP reports another amount or currency.
/// Withdrawals: review | approved → processing → paid | failed, or rejected.
public enum PaymentStatus: String, Sendable, CaseIterable {
    case created, pending, succeeded, failed, refunded
    case chargedBack = "charged_back"
    case review, approved, processing, paid, rejected

    public var isFinal: Bool { [.refunded, .chargedBack, .paid, .rejected].contains(self) }
}

/// A PSP notification, normalised from its dialect.
public struct PSPEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case pending, succeeded, failed, refunded
        case chargedBack = "charged_back"
        case payoutPaid = "payout_paid"
        case payoutFailed = "payout_failed"
        /// A verified event of a type we do not act on.
        case ignored
    }

    public var eventID: String
    public var kind: Kind
    /// Our payment reference, echoed by the PSP.
    public var reference: String
    /// Amount the PSP reports, in minor units.
    public var amount: Int64?
    public var currency: String?
    public var confirmations: Int?
    public var detail: String
    /// The payer's name as the PSP reports it (card holder), or empty; stored for AML monitoring.
    public var payerName: String

    public init(eventID: String, kind: Kind, reference: String, amount: Int64? = nil, currency: String? = nil,
                confirmations: Int? = nil, detail: String = "", payerName: String = "") {
        self.eventID = eventID
        self.kind = kind
        self.reference = reference
        self.amount = amount
        self.currency = currency
        self.confirmations = confirmations
        self.detail = detail
        self.payerName = payerName
    }
}

/// The answer of the state machine to an event.
public enum Transition: Equatable, Sendable {
    case move(PaymentStatus)
    /// Nothing changes; the reason is recorded (late, out of order, duplicate, wrong kind).
    case ignore(String)
}

public enum PaymentStateMachine {
    /// Failure reason recorded when the PSP never answered; a late success may still arrive.
    public static let timeoutReason = "timeout"

    public static func transition(kind: PaymentKind, from status: PaymentStatus, event: PSPEvent.Kind, failureReason: String = "") -> Transition {
        switch (kind, status, event) {
        case (_, _, .ignored):
            return .ignore("event type not used")
        case (.deposit, .created, .pending):
            return .move(.pending)
        case (.deposit, .created, .succeeded), (.deposit, .pending, .succeeded):
            return .move(.succeeded)
        case (.deposit, .created, .failed), (.deposit, .pending, .failed):
            return .move(.failed)
        case (.deposit, .pending, .pending):
            return .ignore("already pending")
        case (.deposit, .failed, .succeeded) where failureReason == timeoutReason:
            return .move(.succeeded)   // late success after we gave up waiting
        case (.deposit, .succeeded, .refunded):
            return .move(.refunded)
        case (.deposit, .succeeded, .chargedBack), (.deposit, .refunded, .chargedBack):
            return .move(.chargedBack)
        case (.deposit, .succeeded, .pending), (.deposit, .succeeded, .failed), (.deposit, .failed, .pending):
            return .ignore("out of order: payment is already \(status.rawValue)")
        case (.withdrawal, .processing, .payoutPaid), (.withdrawal, .approved, .payoutPaid):
            return .move(.paid)
        case (.withdrawal, .processing, .payoutFailed), (.withdrawal, .approved, .payoutFailed):
            return .move(.failed)
        default:
            return .ignore("\(event.rawValue) does not apply to a \(kind.rawValue) that is \(status.rawValue)")
        }
    }
}
