import Foundation

/// Everything besides the deal that decides its commission lines, resolved at the deal's time by
/// the engine (or built by hand in a test): the calculator reads nothing else.
public struct CommissionContext: Sendable {
    /// The plan version of the client's level-1 IB in force at the deal's time.
    public var plan: CommissionPlan
    public var planVersionID: UUID
    /// Level 1 (the client's IB) upward; levels beyond `plan.levels` are ignored.
    public var chain: [ChainMember]
    /// The deal symbol's group on its connection; nil when no group lists it (no per-lot line).
    public var symbolGroup: String?
    /// The trading account's type (`trading_accounts.account_type`); nil for an unmapped login.
    public var accountType: String?
    /// Time of the position's opening (IN) deal; nil when it was never synced.
    public var positionOpenedMsc: Int64?
    /// Time of the first closing deal of the position after this deal, when already known: lets an
    /// opening deal be held to the minimum hold time.
    public var nextCloseMsc: Int64?
    /// Rates in force at the deal's time.
    public var rates: FXRates
    /// Lots (1/100,000,000) the level-1 IB's clients earned rebates on in the previous calendar
    /// month (UTC): picks the volume tier.
    public var previousMonthLotsExt: Int64
    /// The brand's spread markup per lot for the symbol group (minor units of `markupCurrency`).
    public var markupPerLotMinor: Int64?
    public var markupCurrency: String
    /// Whether this deal makes the client qualify for CPA (and no CPA has been paid for them).
    public var cpaQualified: Bool

    public init(plan: CommissionPlan, planVersionID: UUID, chain: [ChainMember], symbolGroup: String?, accountType: String?,
                positionOpenedMsc: Int64? = nil, nextCloseMsc: Int64? = nil, rates: FXRates = FXRates(), previousMonthLotsExt: Int64 = 0,
                markupPerLotMinor: Int64? = nil, markupCurrency: String = "USD", cpaQualified: Bool = false) {
        self.plan = plan
        self.planVersionID = planVersionID
        self.chain = chain
        self.symbolGroup = symbolGroup
        self.accountType = accountType
        self.positionOpenedMsc = positionOpenedMsc
        self.nextCloseMsc = nextCloseMsc
        self.rates = rates
        self.previousMonthLotsExt = previousMonthLotsExt
        self.markupPerLotMinor = markupPerLotMinor
        self.markupCurrency = markupCurrency
        self.cpaQualified = cpaQualified
    }
}
