import AtriumBrandConfig
import Foundation

/// What the withdrawal rules know about a request and its client.
public struct WithdrawalFacts: Sendable, Equatable {
    public var amount: Int64
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

    public init(amount: Int64, kycStatus: String, kycApprovedAt: Date?, deviceFirstSeen: Date?, chargebacks: Int,
                largestEarlierAmount: Int64, requestsLast24h: Int, now: Date) {
        self.amount = amount
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
}

/// The brand's withdrawal policy as a pure function, so every case is a table row in a test.
public enum WithdrawalRules {
    public static let defaults = TenantConfig.WithdrawalPolicy(
        autoApproveMaxMinor: 50_000, dualApprovalAboveMinor: 1_000_000, kycMaxAgeDays: 365,
        knownDeviceMinAgeHours: 24, unusualAmountMultiplier: 3, maxPerDay: 3)

    public static func decide(_ f: WithdrawalFacts, policy p: TenantConfig.WithdrawalPolicy?) -> WithdrawalDecision {
        let d = defaults
        let autoMax = p?.autoApproveMaxMinor ?? d.autoApproveMaxMinor!
        let dual = p?.dualApprovalAboveMinor ?? d.dualApprovalAboveMinor!
        let kycDays = p?.kycMaxAgeDays ?? d.kycMaxAgeDays!
        let deviceHours = p?.knownDeviceMinAgeHours ?? d.knownDeviceMinAgeHours!
        let multiplier = p?.unusualAmountMultiplier ?? d.unusualAmountMultiplier!
        let perDay = p?.maxPerDay ?? d.maxPerDay!

        var reasons: [String] = []
        if f.amount > autoMax { reasons.append("above_auto_approve_limit") }
        if f.kycStatus != "approved" {
            reasons.append("kyc_not_approved")
        } else if let at = f.kycApprovedAt, f.now.timeIntervalSince(at) > Double(kycDays) * 86_400 {
            reasons.append("kyc_older_than_\(kycDays)_days")
        }
        if f.deviceFirstSeen.map({ f.now.timeIntervalSince($0) < Double(deviceHours) * 3_600 }) ?? true {
            reasons.append("new_device")
        }
        if f.chargebacks > 0 { reasons.append("chargeback_history") }
        if f.largestEarlierAmount > 0, f.amount > f.largestEarlierAmount * Int64(multiplier) { reasons.append("unusual_amount") }
        if f.requestsLast24h >= perDay { reasons.append("unusual_frequency") }
        return WithdrawalDecision(reviewReasons: reasons, requiredApprovals: f.amount > dual ? 2 : 1)
    }
}
