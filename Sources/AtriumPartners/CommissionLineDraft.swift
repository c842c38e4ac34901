import Foundation

/// What a commission line pays for.
public enum CommissionComponent: String, Sendable, Codable, CaseIterable, Comparable {
    case rebate
    case revshareCommission = "revshare_commission"
    case revshareMarkup = "revshare_markup"
    case cpa

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// Why a line pays nothing (recorded on the line, which keeps amount 0).
public enum CommissionExclusion: String, Sendable, Codable, CaseIterable {
    case holdTime = "hold_time"
    case ownAccount = "own_account"
    case cap
    case noFXRate = "no_fx_rate"
    /// The exact amount does not fit 64 bits: a figure no real deal reaches, refused rather than wrapped.
    case overflow
}

/// One line the calculator produced for one deal, IB, level and component (not yet stored).
public struct CommissionLineDraft: Sendable, Equatable {
    public var partnerID: UUID
    public var level: Int
    public var component: CommissionComponent
    /// 1/100,000,000 lot the line pays on (0 for revenue share of commission and CPA).
    public var lotsExt: Int64
    /// The rate as the plan states it: `5.00 USD/lot`, `20.00%`, `250.00 USD CPA`.
    public var rate: String
    /// The figure the rate applies to, minor units of `baseCurrency` (see docs/COMMISSIONS.md).
    public var baseAmount: Int64
    public var baseCurrency: String
    /// `baseCurrency → currency` at the deal's time, as recorded (`1` for the same currency).
    public var fxRate: String
    /// Minor units of `currency` (the IB's wallet currency); 0 when excluded.
    public var amount: Int64
    public var currency: String
    public var excluded: CommissionExclusion?

    public init(partnerID: UUID, level: Int, component: CommissionComponent, lotsExt: Int64, rate: String, baseAmount: Int64,
                baseCurrency: String, fxRate: String, amount: Int64, currency: String, excluded: CommissionExclusion? = nil) {
        self.partnerID = partnerID
        self.level = level
        self.component = component
        self.lotsExt = lotsExt
        self.rate = rate
        self.baseAmount = baseAmount
        self.baseCurrency = baseCurrency
        self.fxRate = fxRate
        self.amount = amount
        self.currency = currency
        self.excluded = excluded
    }
}
