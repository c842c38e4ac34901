import AtriumLedger
import AtriumPartners
import Foundation
import Testing

/// The calculator's rules, one at a time, with the arithmetic written out.
@Suite("Commission calculator")
struct CommissionCalculatorTests {
    static let ib = (1...4).map { UUID(uuidString: "00000000-0000-0000-0000-00000000000\($0)")! }
    static let lot: Int64 = 100_000_000

    static func chain(_ levels: Int = 4, currency: String = "USD", own: Int? = nil) -> [ChainMember] {
        (1...levels).map { ChainMember(level: $0, partnerID: ib[$0 - 1], walletCurrency: currency, ownAccount: $0 == own) }
    }

    static func plan(payOn: CommissionPlan.PayOn = .close, levels: Int = 4, perLot: [Int64] = [500, 100, 50, 25], cap: Int64? = nil,
                     minHold: Int = 0, share: CommissionPlan.RevenueShare? = nil, cpa: CommissionPlan.CPA? = nil,
                     tiers: [CommissionPlan.Tier] = [], own: Bool = false) -> CommissionPlan {
        CommissionPlan(currency: "USD", payOn: payOn, minHoldSeconds: minHold, payOwnAccounts: own, levels: levels,
                       rebates: [.init(symbolGroup: "forex", perLotMinor: perLot), .init(symbolGroup: "forex", accountType: "ecn", perLotMinor: [300])],
                       revenueShare: share, cpa: cpa, capPerLotMinor: cap, tiers: tiers)
    }

    static func deal(_ entry: CommissionDeal.Entry, volume: Int64, closed: Int64? = nil, commission: Int64 = 0, currency: String = "USD",
                     time: Int64 = 1_700_000_000_000, symbol: String = "EURUSD") -> CommissionDeal {
        let closedVolume = closed ?? (entry == .in ? 0 : volume)
        return CommissionDeal(connectionID: "mt5", deal: 1, login: "1001", positionID: 7, entry: entry, symbol: symbol, volumeExt: volume,
                              closedVolumeExt: closedVolume, commission: commission, currency: currency, timeMsc: time)
    }

    static func context(_ plan: CommissionPlan, chain: [ChainMember] = chain(), accountType: String = "standard", opened: Int64? = nil,
                        nextClose: Int64? = nil, rates: FXRates = FXRates(), previousMonthLots: Int64 = 0, markup: Int64? = nil,
                        cpa: Bool = false) -> CommissionContext {
        CommissionContext(plan: plan, planVersionID: UUID(), chain: chain, symbolGroup: "forex", accountType: accountType,
                          positionOpenedMsc: opened, nextCloseMsc: nextClose, rates: rates, previousMonthLotsExt: previousMonthLots,
                          markupPerLotMinor: markup, markupCurrency: "USD", cpaQualified: cpa)
    }

    static func amounts(_ lines: [CommissionLineDraft], _ component: CommissionComponent = .rebate) -> [Int64] {
        lines.filter { $0.component == component }.sorted { $0.level < $1.level }.map(\.amount)
    }

    @Test("a partial lot pays each level exactly, rounded once toward zero")
    func partialLot() {
        // 0.37 lot closed: L1 5.00/lot → 185.0; L2 1.00 → 37.0; L3 0.50 → 18.5 → 18; L4 0.25 → 9.25 → 9
        let lines = CommissionCalculator.lines(for: Self.deal(.out, volume: 37_000_000), context: Self.context(Self.plan()))
        #expect(Self.amounts(lines) == [185, 37, 18, 9])
        #expect(lines.allSatisfy { $0.lotsExt == 37_000_000 && $0.excluded == nil && $0.currency == "USD" && $0.fxRate == "1" })
        #expect(lines.first?.rate == "5.00 USD/lot")
    }

    @Test("the account type's own rebate wins over the group's")
    func accountTypeRebate() {
        // ecn: 3.00/lot at level 1 only; 2 lots → 600
        let lines = CommissionCalculator.lines(for: Self.deal(.out, volume: 2 * Self.lot), context: Self.context(Self.plan(), accountType: "ecn"))
        #expect(Self.amounts(lines) == [600])
    }

    @Test("pay on open, close or both, with INOUT split and OUT_BY as a close", arguments: [
        // (payOn, entry, volume, closed, level-1 amount at 5.00/lot)
        (CommissionPlan.PayOn.close, CommissionDeal.Entry.in, Int64(100_000_000), Int64(0), Int64?.none),
        (.open, .in, 100_000_000, 0, 500),
        (.open, .out, 100_000_000, 100_000_000, nil),
        (.close, .outBy, 50_000_000, 50_000_000, 250),
        // INOUT of 3 lots closing 1 lot: close pays 1 lot, open pays 2 lots, both pay 3
        (.close, .inout, 300_000_000, 100_000_000, 500),
        (.open, .inout, 300_000_000, 100_000_000, 1000),
        (.both, .inout, 300_000_000, 100_000_000, 1500),
    ])
    func payOn(payOn: CommissionPlan.PayOn, entry: CommissionDeal.Entry, volume: Int64, closed: Int64, level1: Int64?) {
        let lines = CommissionCalculator.lines(for: Self.deal(entry, volume: volume, closed: closed), context: Self.context(Self.plan(payOn: payOn)))
        #expect(Self.amounts(lines).first == level1)
    }

    @Test("minimum hold time excludes a close within N seconds of the position's IN deal, and an opening known to close too soon")
    func holdTime() throws {
        let t: Int64 = 1_700_000_000_000
        let plan = Self.plan(minHold: 60)
        let quick = CommissionCalculator.lines(for: Self.deal(.out, volume: Self.lot, time: t), context: Self.context(plan, opened: t - 59_999))
        #expect(quick.count == 4)
        #expect(quick.allSatisfy { $0.excluded == .holdTime && $0.amount == 0 && $0.lotsExt == Self.lot })
        let held = CommissionCalculator.lines(for: Self.deal(.out, volume: Self.lot, time: t), context: Self.context(plan, opened: t - 60_000))
        #expect(Self.amounts(held) == [500, 100, 50, 25])
        let open = Self.plan(payOn: .open, minHold: 60)
        let scalp = CommissionCalculator.lines(for: Self.deal(.in, volume: Self.lot, time: t), context: Self.context(open, nextClose: t + 10_000))
        #expect(scalp.allSatisfy { $0.excluded == .holdTime })
        let stillOpen = CommissionCalculator.lines(for: Self.deal(.in, volume: Self.lot, time: t), context: Self.context(open))
        #expect(Self.amounts(stillOpen) == [500, 100, 50, 25])
    }

    @Test("the IB's own account earns nothing at its level unless the plan allows it")
    func ownAccount() {
        let lines = CommissionCalculator.lines(for: Self.deal(.out, volume: Self.lot), context: Self.context(Self.plan(), chain: Self.chain(own: 1)))
        #expect(lines.first { $0.level == 1 }?.excluded == .ownAccount)
        #expect(Self.amounts(lines) == [0, 100, 50, 25])
        let allowed = CommissionCalculator.lines(for: Self.deal(.out, volume: Self.lot), context: Self.context(Self.plan(own: true), chain: Self.chain(own: 1)))
        #expect(Self.amounts(allowed) == [500, 100, 50, 25])
    }

    @Test("the cap trims from the highest level down and marks what it excludes")
    func cap() {
        // 5.00 + 3.00 + 2.00 + 1.00 against a 7.00 cap: L1 5.00, L2 2.00 (capped from 3.00), L3 and L4 excluded "cap"
        let plan = Self.plan(perLot: [500, 300, 200, 100], cap: 700)
        let lines = CommissionCalculator.lines(for: Self.deal(.out, volume: 2 * Self.lot), context: Self.context(plan))
        #expect(Self.amounts(lines) == [1000, 400, 0, 0])
        #expect(lines.map(\.excluded) == [nil, nil, .cap, .cap])
        #expect(lines[1].rate == "2.00 USD/lot (capped from 3.00)")
    }

    @Test("a volume tier reached last month raises level 1 from this month", arguments: [
        (Int64(9_999_000_000), Int64(500)), (Int64(10_000_000_000), Int64(550)), (Int64(50_000_000_000), Int64(600)),
    ] as [(Int64, Int64)])
    func tiers(previous: Int64, level1: Int64) {
        let plan = Self.plan(tiers: [.init(minLotsExt: 100 * Self.lot, rebateBonusBps: 1000), .init(minLotsExt: 500 * Self.lot, rebateBonusBps: 2000)])
        let lines = CommissionCalculator.lines(for: Self.deal(.out, volume: Self.lot), context: Self.context(plan, previousMonthLots: previous))
        #expect(Self.amounts(lines) == [level1, 100, 50, 25])
    }

    @Test("revenue share of the deal's commission converts at the recorded rate and rounds once")
    func commissionShare() throws {
        var fx = FXRates()
        fx.set("EUR", "USD", try ExchangeRate("1.0842"))
        let plan = Self.plan(share: .init(commissionBps: [2000, 500]))
        // commission -7.00 EUR: L1 20 % = 1.40 EUR × 1.0842 = 1.51788 USD → 151; L2 5 % = 0.35 × 1.0842 = 0.37947 → 37
        let lines = CommissionCalculator.lines(for: Self.deal(.in, volume: Self.lot, commission: -700, currency: "EUR"), context: Self.context(plan, rates: fx))
        #expect(Self.amounts(lines, .revshareCommission) == [151, 37])
        #expect(lines.first { $0.component == .revshareCommission }?.fxRate == "1.0842")
        #expect(lines.first { $0.component == .revshareCommission }?.baseAmount == 700)
    }

    @Test("without a recorded rate the line is excluded 'no_fx_rate', never guessed")
    func noRate() {
        let lines = CommissionCalculator.lines(for: Self.deal(.out, volume: Self.lot), context: Self.context(Self.plan(), chain: Self.chain(2, currency: "EUR")))
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.excluded == .noFXRate && $0.amount == 0 && $0.currency == "EUR" })
    }

    @Test("a JPY wallet gets whole yen: 2.50 USD × 150.25 = 375.625 → 375")
    func jpy() throws {
        var fx = FXRates()
        fx.set("USD", "JPY", try ExchangeRate("150.25"))
        let lines = CommissionCalculator.lines(for: Self.deal(.out, volume: 50_000_000), context: Self.context(Self.plan(levels: 1), chain: Self.chain(1, currency: "JPY"), rates: fx))
        #expect(Self.amounts(lines) == [375])
    }

    @Test("revenue share of the spread markup is per lot")
    func markupShare() {
        // markup 2.00 USD/lot, 1.5 lots, 30 % → 0.90 USD
        let lines = CommissionCalculator.lines(for: Self.deal(.out, volume: 150_000_000),
                                               context: Self.context(Self.plan(share: .init(markupBps: [3000])), markup: 200))
        #expect(Self.amounts(lines, .revshareMarkup) == [90])
        #expect(lines.first { $0.component == .revshareMarkup }?.rate == "30.00% of 2.00 USD/lot markup")
    }

    @Test("CPA pays each level once the client qualifies, and nothing before")
    func cpa() {
        let plan = Self.plan(cpa: .init(perLevelMinor: [25_000, 5_000], minFirstDepositMinor: 10_000, minLotsExt: Self.lot, withinDays: 30))
        let paid = CommissionCalculator.lines(for: Self.deal(.out, volume: Self.lot), context: Self.context(plan, cpa: true))
        #expect(Self.amounts(paid, .cpa) == [25_000, 5_000])
        #expect(paid.first { $0.component == .cpa }?.rate == "250.00 USD CPA")
        let notYet = CommissionCalculator.lines(for: Self.deal(.out, volume: Self.lot), context: Self.context(plan, cpa: false))
        #expect(Self.amounts(notYet, .cpa).isEmpty)
    }

    @Test("levels above the plan's are not paid; a symbol outside every group earns no per-lot line")
    func levelsAndGroups() {
        let lines = CommissionCalculator.lines(for: Self.deal(.out, volume: Self.lot), context: Self.context(Self.plan(levels: 2)))
        #expect(Self.amounts(lines) == [500, 100])
        var ctx = Self.context(Self.plan())
        ctx.symbolGroup = nil
        #expect(CommissionCalculator.lines(for: Self.deal(.out, volume: Self.lot), context: ctx).isEmpty)
    }

    @Test("exact fractions: truncation toward zero, overflow refused")
    func arithmetic() {
        #expect(CommissionArithmetic.fraction([37_000_000, 50], over: [100_000_000]) == 18)
        #expect(CommissionArithmetic.fraction([-37_000_000, 50], over: [100_000_000]) == -18)
        #expect(CommissionArithmetic.fraction([Int64.max, Int64.max, Int64.max], over: [3]) == nil)
        #expect(CommissionArithmetic.fraction([Int64.max, 4], over: [4]) == Int64.max)
        #expect(CommissionArithmetic.format(5_500_000, exponent: 2, extra: 4) == "5.50")
        #expect(CommissionArithmetic.format(5_012_500, exponent: 2, extra: 4) == "5.0125")
    }
}
