import AtriumBrandConfig
import AtriumStorage
import Foundation

/// A deal's context as the database says at the deal's time.
struct ResolvedDeal: Sendable {
    var client: UUID
    var account: UUID
    var context: CommissionContext
}

/// Builds a `CommissionContext` for one deal: attribution, plan version, chain, symbol group,
/// account type, position times, FX rates, tier state and CPA qualification, all at the deal's time.
enum CommissionResolver {
    /// nil when the deal earns nothing: unmapped login, client without IB, or IB without a plan then.
    /// `planOverride` replaces the plan version (the draft preview) and `partnerFilter` keeps only
    /// deals whose level-1 IB is that partner.
    static func resolve(_ tx: TenantTransaction, deal: CommissionDeal, brand: TenantConfig, cache: inout PlanCache,
                        planOverride: (id: UUID, plan: CommissionPlan)? = nil, partnerFilter: UUID? = nil) async throws -> ResolvedDeal? {
        guard let owner = try await CommissionSQL.client(tx, deal: deal),
              let ib = try await CommissionSQL.attribution(tx, client: owner.client, atMsc: deal.timeMsc) else { return nil }
        if let partnerFilter, partnerFilter != ib { return nil }
        let version: (id: UUID, plan: CommissionPlan)
        if let planOverride {
            version = planOverride
        } else {
            guard let v = try await CommissionSQL.planVersion(tx, partner: ib, atMsc: deal.timeMsc) else { return nil }
            version = v
        }
        let plan = version.plan
        cache.plans[version.id] = plan
        let chain = try await CommissionSQL.chain(tx, partner: ib, client: owner.client, atMsc: deal.timeMsc, levels: plan.levels)
        let group = brand.symbolGroup(of: deal.symbol, connectionID: deal.connectionID)
        var times: (opened: Int64?, nextClose: Int64?) = (nil, nil)
        if plan.minHoldSeconds > 0 { times = try await CommissionSQL.positionTimes(tx, deal: deal) }
        let program = brand.partnerProgram
        let markupCurrency = program.resolvedCurrency
        let bases = Array(Set([plan.currency, deal.currency, markupCurrency]))
        let quotes = Array(Set(chain.map(\.walletCurrency)))
        let rates = try await CommissionSQL.rates(tx, bases: bases, quotes: quotes, atMsc: deal.timeMsc)
        let lots = plan.tiers.isEmpty ? 0 : try await CommissionSQL.previousMonthLots(tx, partner: ib, atMsc: deal.timeMsc)
        let cpa = try await CommissionCPA.qualifies(tx, client: owner.client, deal: deal, plan: plan)
        let context = CommissionContext(
            plan: plan, planVersionID: version.id, chain: chain, symbolGroup: group, accountType: owner.accountType,
            positionOpenedMsc: times.opened, nextCloseMsc: times.nextClose, rates: rates, previousMonthLotsExt: lots,
            markupPerLotMinor: group.flatMap { program.spreadMarkupPerLotMinor?[$0] }, markupCurrency: markupCurrency, cpaQualified: cpa)
        return ResolvedDeal(client: owner.client, account: owner.account, context: context)
    }
}
