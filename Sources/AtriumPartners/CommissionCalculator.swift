import AtriumCore
import Foundation

/// Turns one deal and its context into commission lines. Pure: no database, no clock, no floating
/// point. The rules are written out in docs/COMMISSIONS.md; each line's amount is one exact
/// fraction rounded once, toward zero.
public enum CommissionCalculator {
    /// Per-lot rates are carried in 1/10,000 of a minor unit so a tier bonus in basis points stays exact.
    static let rateScale: Int64 = 10_000

    /// The lines `deal` earns under `context` (accruals; the engine writes reversals itself).
    public static func lines(for deal: CommissionDeal, context ctx: CommissionContext) -> [CommissionLineDraft] {
        let plan = ctx.plan
        let members = ctx.chain.filter { $0.level >= 1 && $0.level <= plan.levels }.sorted { $0.level < $1.level }
        guard !members.isEmpty else { return [] }
        let volume = PaidVolume(deal: deal, plan: plan, ctx: ctx)
        var out: [CommissionLineDraft] = []
        out += rebates(deal: deal, ctx: ctx, members: members, volume: volume)
        out += markupShares(deal: deal, ctx: ctx, members: members, volume: volume)
        out += commissionShares(deal: deal, ctx: ctx, members: members, volume: volume)
        out += cpa(ctx: ctx, members: members)
        return out
    }

    // MARK: components

    static func rebates(deal: CommissionDeal, ctx: CommissionContext, members: [ChainMember], volume: PaidVolume) -> [CommissionLineDraft] {
        let plan = ctx.plan
        guard volume.eligibleLots > 0, let group = ctx.symbolGroup else { return [] }
        let rebate = plan.rebates.first { $0.symbolGroup == group && $0.accountType != nil && $0.accountType == ctx.accountType }
            ?? plan.rebates.first { $0.symbolGroup == group && $0.accountType == nil }
        guard let rebate else { return [] }
        let bonus = tierBonusBps(plan: plan, previousMonthLotsExt: ctx.previousMonthLotsExt)
        // The cap counts what the lower levels actually keep, so the highest levels are trimmed first.
        var capLeft: Int64? = plan.capPerLotMinor.map { $0 * rateScale }
        var out: [CommissionLineDraft] = []
        for m in members {
            let perLot = m.level <= rebate.perLotMinor.count ? rebate.perLotMinor[m.level - 1] : 0
            guard perLot > 0 else { continue }
            let levelBonus = m.level == 1 ? bonus : 0
            let full = perLot * (rateScale + Int64(levelBonus))
            var rateE4 = full
            var exclusion: CommissionExclusion? = exclusionBeforeCap(member: m, plan: plan, volume: volume)
            if exclusion == nil, let left = capLeft {
                rateE4 = min(full, max(0, left))
                capLeft = left - rateE4
                if rateE4 == 0 { exclusion = .cap }
            }
            var text = "\(CommissionArithmetic.format(rateE4, exponent: exponent(plan.currency), extra: 4)) \(plan.currency)/lot"
            if levelBonus > 0 { text += " incl. tier +\(CommissionArithmetic.percent(levelBonus))" }
            if rateE4 < full && rateE4 > 0 { text += " (capped from \(CommissionArithmetic.format(full, exponent: exponent(plan.currency), extra: 4)))" }
            out.append(priced(member: m, component: .rebate, lots: volume.lineLots(exclusion), rate: text, base: 0, baseCurrency: plan.currency,
                              factors: [volume.paidLots, rateE4], divisors: [CommissionPlan.lotExt, rateScale], rates: ctx.rates, exclusion: exclusion))
        }
        return out
    }

    static func markupShares(deal: CommissionDeal, ctx: CommissionContext, members: [ChainMember], volume: PaidVolume) -> [CommissionLineDraft] {
        guard volume.eligibleLots > 0, let share = ctx.plan.revenueShare, let markup = ctx.markupPerLotMinor, markup > 0 else { return [] }
        var out: [CommissionLineDraft] = []
        for m in members {
            let bps = m.level <= share.markupBps.count ? share.markupBps[m.level - 1] : 0
            guard bps > 0 else { continue }
            let exclusion = exclusionBeforeCap(member: m, plan: ctx.plan, volume: volume)
            let text = "\(CommissionArithmetic.percent(bps)) of \(DecimalAmount.format(markup, exponent: exponent(ctx.markupCurrency))) \(ctx.markupCurrency)/lot markup"
            out.append(priced(member: m, component: .revshareMarkup, lots: volume.lineLots(exclusion), rate: text, base: markup,
                              baseCurrency: ctx.markupCurrency, factors: [volume.paidLots, markup, Int64(bps)],
                              divisors: [CommissionPlan.lotExt, 10_000], rates: ctx.rates, exclusion: exclusion))
        }
        return out
    }

    static func commissionShares(deal: CommissionDeal, ctx: CommissionContext, members: [ChainMember], volume: PaidVolume) -> [CommissionLineDraft] {
        guard let share = ctx.plan.revenueShare, deal.commission != 0 else { return [] }
        let base = deal.commission.magnitude > UInt64(Int64.max) ? Int64.max : abs(deal.commission)
        var out: [CommissionLineDraft] = []
        for m in members {
            let bps = m.level <= share.commissionBps.count ? share.commissionBps[m.level - 1] : 0
            guard bps > 0 else { continue }
            var exclusion: CommissionExclusion? = m.ownAccount && !ctx.plan.payOwnAccounts ? .ownAccount : nil
            if exclusion == nil && !volume.dealHeld { exclusion = .holdTime }
            out.append(priced(member: m, component: .revshareCommission, lots: 0, rate: CommissionArithmetic.percent(bps), base: base,
                              baseCurrency: deal.currency, factors: [base, Int64(bps)], divisors: [10_000], rates: ctx.rates, exclusion: exclusion))
        }
        return out
    }

    static func cpa(ctx: CommissionContext, members: [ChainMember]) -> [CommissionLineDraft] {
        guard ctx.cpaQualified, let cpa = ctx.plan.cpa else { return [] }
        let plan = ctx.plan
        var out: [CommissionLineDraft] = []
        for m in members {
            let amount = m.level <= cpa.perLevelMinor.count ? cpa.perLevelMinor[m.level - 1] : 0
            guard amount > 0 else { continue }
            let exclusion: CommissionExclusion? = m.ownAccount && !plan.payOwnAccounts ? .ownAccount : nil
            let text = "\(DecimalAmount.format(amount, exponent: exponent(plan.currency))) \(plan.currency) CPA"
            out.append(priced(member: m, component: .cpa, lots: 0, rate: text, base: amount, baseCurrency: plan.currency,
                              factors: [amount], divisors: [], rates: ctx.rates, exclusion: exclusion))
        }
        return out
    }

    // MARK: shared rules

    /// The bonus of the highest tier whose monthly lots the level-1 IB reached last month.
    public static func tierBonusBps(plan: CommissionPlan, previousMonthLotsExt: Int64) -> Int {
        plan.tiers.filter { previousMonthLotsExt >= $0.minLotsExt }.max { $0.minLotsExt < $1.minLotsExt }?.rebateBonusBps ?? 0
    }

    static func exclusionBeforeCap(member: ChainMember, plan: CommissionPlan, volume: PaidVolume) -> CommissionExclusion? {
        if member.ownAccount && !plan.payOwnAccounts { return .ownAccount }
        if volume.paidLots == 0 { return .holdTime }
        return nil
    }

    /// Converts and rounds once: `trunc(factors × fx digits × 10^to.exp / (divisors × 10^fx.scale × 10^from.exp))`.
    static func priced(member m: ChainMember, component: CommissionComponent, lots: Int64, rate: String, base: Int64, baseCurrency: String,
                       factors: [Int64], divisors: [Int64], rates: FXRates, exclusion: CommissionExclusion?) -> CommissionLineDraft {
        var line = CommissionLineDraft(partnerID: m.partnerID, level: m.level, component: component, lotsExt: lots, rate: rate, baseAmount: base,
                                       baseCurrency: baseCurrency, fxRate: "1", amount: 0, currency: m.walletCurrency, excluded: exclusion)
        guard let fromExp = ISO4217.exponents[baseCurrency], let toExp = ISO4217.exponents[m.walletCurrency],
              let fx = rates.rate(baseCurrency, m.walletCurrency) else {
            if exclusion == nil { line.excluded = .noFXRate }
            line.fxRate = "0"
            return line
        }
        line.fxRate = fx.description
        guard exclusion == nil else { return line }
        let scaleUp = CommissionArithmetic.pow10(toExp)
        let scaleDown = [CommissionArithmetic.pow10(fx.scale), CommissionArithmetic.pow10(fromExp)]
        guard let amount = CommissionArithmetic.fraction(factors + [fx.digits, scaleUp], over: divisors + scaleDown) else {
            line.excluded = .overflow
            return line
        }
        line.amount = amount
        return line
    }

    static func exponent(_ currency: String) -> Int { ISO4217.exponents[currency] ?? 2 }
}

/// The volume of a deal that earns per-lot components, after pay-on and minimum hold time.
struct PaidVolume {
    /// Volume the plan pays on for this entry before the hold-time rule.
    let eligibleLots: Int64
    /// What is left after the hold-time rule.
    let paidLots: Int64
    /// Whether any part of the deal passed the hold-time rule (revenue share of commission).
    let dealHeld: Bool

    init(deal: CommissionDeal, plan: CommissionPlan, ctx: CommissionContext) {
        let minHoldMsc = Int64(max(0, plan.minHoldSeconds)) * 1000
        // Closing part: held when the position was open long enough (unknown opening: not provable, paid).
        let closeHeld = minHoldMsc == 0 || ctx.positionOpenedMsc.map { deal.timeMsc - $0 >= minHoldMsc } ?? true
        // Opening part: held unless the position is already known to have closed too soon.
        let openHeld = minHoldMsc == 0 || ctx.nextCloseMsc.map { $0 - deal.timeMsc >= minHoldMsc } ?? true
        let closeLots = plan.payOn == .open ? 0 : deal.closingVolumeExt
        let openLots = plan.payOn == .close ? 0 : deal.openingVolumeExt
        eligibleLots = closeLots + openLots
        paidLots = (closeHeld ? closeLots : 0) + (openHeld ? openLots : 0)
        switch deal.entry {
        case .in: dealHeld = openHeld
        case .out, .outBy: dealHeld = closeHeld
        case .inout: dealHeld = closeHeld || openHeld
        }
    }

    /// The lots a line shows: what it paid on, or what was eligible when hold time excluded it all.
    func lineLots(_ exclusion: CommissionExclusion?) -> Int64 { paidLots > 0 ? paidLots : eligibleLots }
}
