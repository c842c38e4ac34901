@testable import AtriumHTTP
import AtriumPartners
import Foundation
import Testing

@Suite("Plan editor: form parsing and version diff")
struct PlanEditorUnitTests {
    static let groups: Set<String> = ["forex", "metals", "indices", "crypto"]
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func form(_ overrides: [String: String] = [:]) -> [String: String] {
        var f = ["effective_from": "2027-02-01T00:00", "currency": "USD", "levels": "3", "pay_on": "both", "min_hold_seconds": "30",
                 "cap_per_lot": "6.50", "rebate_0_group": "forex", "rebate_0_amounts": "5.00, 1.00, 0.50",
                 "rebate_2_group": "metals", "rebate_2_account_type": "raw", "rebate_2_amounts": "6", "revshare_commission": "20, 5.25",
                 "cpa_amounts": "250.00", "cpa_min_deposit": "200", "cpa_min_lots": "1.5", "cpa_within_days": "30",
                 "tier_0_lots": "100", "tier_0_bonus": "10.00", "pay_own_accounts": "on"]
        f.merge(overrides) { _, new in new }
        return f
    }

    @Test("decimals, percentages and lots become exact integers; blank rows are skipped")
    func parsesExactly() throws {
        let (plan, from) = try PlanForm.parse(Self.form(), symbolGroups: Self.groups, now: Self.now).get()
        #expect(from == Date(timeIntervalSince1970: 1_801_440_000))
        #expect(plan.rebates == [.init(symbolGroup: "forex", perLotMinor: [500, 100, 50]), .init(symbolGroup: "metals", accountType: "raw", perLotMinor: [600])])
        #expect(plan.revenueShare == .init(commissionBps: [2_000, 525], markupBps: []))
        #expect(plan.cpa == .init(perLevelMinor: [25_000], minFirstDepositMinor: 20_000, minLotsExt: 150_000_000, withinDays: 30))
        #expect(plan.tiers == [.init(minLotsExt: 10_000_000_000, rebateBonusBps: 1_000)])
        #expect(plan.capPerLotMinor == 650 && plan.levels == 3 && plan.payOn == .both && plan.minHoldSeconds == 30 && plan.payOwnAccounts)
        #expect(try PlanForm.parse(PlanForm.values(plan, effectiveFrom: from), symbolGroups: Self.groups, now: Self.now).get().0 == plan,
                "the form shows a plan so that saving it again gives the same plan")
    }

    @Test("a JPY plan has no decimals: 500 is 500 minor units and 5.5 is refused, naming the field")
    func currencyExponent() throws {
        let (plan, _) = try PlanForm.parse(Self.form(["currency": "JPY", "rebate_0_amounts": "500", "rebate_2_amounts": "600", "cap_per_lot": "650",
                                                      "cpa_amounts": "25000", "cpa_min_deposit": "20000"]),
                                           symbolGroups: Self.groups, now: Self.now).get()
        #expect(plan.rebates[0].perLotMinor == [500])
        let bad = PlanForm.parse(Self.form(["currency": "JPY", "rebate_0_amounts": "5.5"]), symbolGroups: Self.groups, now: Self.now)
        guard case .failure(let e) = bad else { Issue.record("5.5 JPY was accepted"); return }
        #expect(e.problems.map(\.field).contains("rebates[0].per_lot_minor[0]"))
    }

    @Test("every problem is reported at once, each naming its field")
    func allProblems() {
        let r = PlanForm.parse(Self.form(["rebate_0_amounts": "-1, x", "rebate_2_group": "energy", "effective_from": "2020-01-01", "tier_0_lots": "0"]),
                               symbolGroups: Self.groups, now: Self.now)
        guard case .failure(let e) = r else { Issue.record("accepted"); return }
        #expect(Set(e.problems.map(\.field)) == ["rebates[0].per_lot_minor[0]", "rebates[0].per_lot_minor[1]", "effective_from", "rebates[1].symbol_group", "tiers[0].min_lots_ext"])
        #expect(e.status == 422)
    }

    @Test("the diff names each changed field with its old and new value, numbers in path order")
    func diff() throws {
        var a = CommissionPlan(currency: "USD", levels: 2, rebates: (0..<12).map { .init(symbolGroup: "g\($0)", perLotMinor: [100]) })
        var b = a
        b.rebates[10].perLotMinor = [100, 20]
        b.rebates[2].perLotMinor = [150]
        b.payOn = .both
        b.capPerLotMinor = 500
        a.tiers = [.init(minLotsExt: 1, rebateBonusBps: 1)]
        let old = Date(timeIntervalSince1970: 0), new = Date(timeIntervalSince1970: 86_400)
        let changes = try CommissionPlanDiff.changes(from: a, effectiveFrom: old, to: b, effectiveFrom: new)
        #expect(changes == [
            .init(field: "effective_from", before: "1970-01-01T00:00:00Z", after: "1970-01-02T00:00:00Z"),
            .init(field: "cap_per_lot_minor", before: nil, after: "500"),
            .init(field: "pay_on", before: "close", after: "both"),
            .init(field: "rebates[2].per_lot_minor[0]", before: "100", after: "150"),
            .init(field: "rebates[10].per_lot_minor[1]", before: nil, after: "20"),
            .init(field: "tiers", before: nil, after: "[]"),
            .init(field: "tiers[0].min_lots_ext", before: "1", after: nil),
            .init(field: "tiers[0].rebate_bonus_bps", before: "1", after: nil),
        ])
        #expect(try CommissionPlanDiff.changes(from: a, to: a).isEmpty)
    }
}
