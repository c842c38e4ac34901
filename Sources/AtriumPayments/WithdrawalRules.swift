import AtriumBrandConfig
import Foundation

/// What the withdrawal rules know about a request and its client.
public struct WithdrawalFacts: Sendable, Equatable {
    /// Minor units of `currency`.
    public var amount: Int64
    /// ISO 4217 code of the request; thresholds are looked up for it.
    public var currency: String
    public var kycStatus: String
    public var kycApprovedAt: Date?
    /// When this client was first seen with the requesting browser (sessions and payments).
    public var deviceFirstSeen: Date?
    public var chargebacks: Int
    /// Largest earlier paid withdrawal or settled deposit, in the same currency.
    public var largestEarlierAmount: Int64
    /// Withdrawal requests in the last 24 hours, not counting this one.
    public var requestsLast24h: Int
    public var now: Date

    public init(amount: Int64, currency: String, kycStatus: String, kycApprovedAt: Date?, deviceFirstSeen: Date?, chargebacks: Int,
                largestEarlierAmount: Int64, requestsLast24h: Int, now: Date) {
        self.amount = amount
        self.currency = currency
        self.kycStatus = kycStatus
        self.kycApprovedAt = kycApprovedAt
        self.deviceFirstSeen = deviceFirstSeen
        self.chargebacks = chargebacks
        self.largestEarlierAmount = largestEarlierAmount
        self.requestsLast24h = requestsLast24h
        self.now = now
    }
}

public struct WithdrawalDecision: Sendable, Equatable {
    /// Empty means approve without a person.
    public var reviewReasons: [String]
    public var requiredApprovals: Int

    public init(reviewReasons: [String], requiredApprovals: Int) {
        self.reviewReasons = reviewReasons
        self.requiredApprovals = requiredApprovals
    }
}

/// The brand's withdrawal policy as a pure function, so every case is a table row in a test.
public enum WithdrawalRules {
    /// Used for any field the brand file leaves out. Amounts are per currency: a currency missing
    /// here and in the brand file has no limit to compare with, so its requests fail closed.
    public static let defaults = TenantConfig.WithdrawalPolicy(
        autoApproveMaxMinor: ["USD": 50_000, "EUR": 50_000, "GBP": 50_000],
        dualApprovalAboveMinor: ["USD": 1_000_000, "EUR": 1_000_000, "GBP": 1_000_000],
        kycMaxAgeDays: 365, knownDeviceMinAgeHours: 24, unusualAmountMultiplier: 3, maxPerDay: 3)

    /// Review reason for a currency the brand set no auto-approval limit for.
    public static let noLimitReason = "no_limit_for_currency"

    public static func decide(_ f: WithdrawalFacts, policy p: TenantConfig.WithdrawalPolicy?) -> WithdrawalDecision {
        let d = defaults
        let autoMax = (p?.autoApproveMaxMinor ?? d.autoApproveMaxMinor ?? [:])[f.currency]
        let dual = (p?.dualApprovalAboveMinor ?? d.dualApprovalAboveMinor ?? [:])[f.currency]
        let kycDays = p?.kycMaxAgeDays ?? d.kycMaxAgeDays ?? 365
        let deviceHours = p?.knownDeviceMinAgeHours ?? d.knownDeviceMinAgeHours ?? 24
        let multiplier = p?.unusualAmountMultiplier ?? d.unusualAmountMultiplier ?? 3
        let perDay = p?.maxPerDay ?? d.maxPerDay ?? 3

        var reasons: [String] = []
        if let autoMax {
            if f.amount > autoMax { reasons.append("above_auto_approve_limit") }
        } else {
            reasons.append(noLimitReason)
        }
        if f.kycStatus != "approved" {
            reasons.append("kyc_not_approved")
        } else if let at = f.kycApprovedAt, f.now.timeIntervalSince(at) > Double(kycDays) * 86_400 {
            reasons.append("kyc_older_than_\(kycDays)_days")
        }
        if f.deviceFirstSeen.map({ f.now.timeIntervalSince($0) < Double(deviceHours) * 3_600 }) ?? true {
            reasons.append("new_device")
        }
        if f.chargebacks > 0 { reasons.append("chargeback_history") }
        if f.largestEarlierAmount > 0 {
            // A limit beyond Int64 cannot be compared honestly: treat it as unusual, never trap.
            let (limit, overflow) = f.largestEarlierAmount.multipliedReportingOverflow(by: Int64(multiplier))
            if overflow || f.amount > limit { reasons.append("unusual_amount") }
        }
        if f.requestsLast24h >= perDay { reasons.append("unusual_frequency") }
        // Without a dual-approval threshold for the currency, two people approve (fail closed).
        return WithdrawalDecision(reviewReasons: reasons, requiredApprovals: dual.map { f.amount > $0 ? 2 : 1 } ?? 2)
    }
}
