import AtriumBrandConfig
import AtriumPartners
import Foundation

/// View models of the plan editor: a version row, the editor's fields and a diff table.
enum PlanEditorView {
    static func versionRow(_ v: PlanVersionRecord, base: String, t: [String: String]) -> [String: Any] {
        ["number": v.version, "id": v.id.uuidString.lowercased(), "href": "\(base)/versions/\(v.version)",
         "status": v.status.rawValue, "statusLabel": t["plans_status_\(v.status.rawValue)"] ?? v.status.rawValue,
         "published": v.status == .published, "effectiveFrom": v.effectiveFrom.formatted(.iso8601),
         "publishedAt": v.publishedAt?.formatted(.iso8601) ?? "—", "currency": v.body.currency, "levels": v.body.levels]
    }

    /// The editor's fields from form values (`PlanForm.values` or a refused form as sent).
    static func editor(_ f: [String: String], brand: TenantConfig, readOnly: Bool, t: [String: String]) -> [String: Any] {
        let groups = brand.symbolGroupNames.sorted()
        let types = Array(Set((brand.platforms ?? []).flatMap { ($0.accountTypes ?? []).map(\.id) })).sorted()
        func options(_ values: [String], selected: String, any: String?) -> [[String: Any]] {
            var out: [[String: Any]] = any.map { [["value": "", "label": $0, "selected": selected.isEmpty]] } ?? []
            // A value the brand does not know (a refused form) stays visible, so the error can name it.
            let all = values.contains(selected) || selected.isEmpty ? values : values + [selected]
            out += all.map { ["value": $0, "label": $0, "selected": $0 == selected] }
            return out
        }
        var rebates: [[String: Any]] = []
        for row in 0..<PlanForm.rebateRows {
            let group = f["rebate_\(row)_group"] ?? "", amounts = f["rebate_\(row)_amounts"] ?? ""
            if readOnly && group.isEmpty && amounts.isEmpty { continue }
            rebates.append(["row": row, "amounts": amounts,
                            "groupOptions": options(groups, selected: group, any: t["plans_choose"] ?? "—"),
                            "typeOptions": options(types, selected: f["rebate_\(row)_account_type"] ?? "", any: t["plans_any_account_type"] ?? "any")])
        }
        var tiers: [[String: Any]] = []
        for row in 0..<PlanForm.tierRows {
            let lots = f["tier_\(row)_lots"] ?? "", bonus = f["tier_\(row)_bonus"] ?? ""
            if readOnly && lots.isEmpty && bonus.isEmpty { continue }
            tiers.append(["row": row, "lots": lots, "bonus": bonus])
        }
        let payOn = f["pay_on"] ?? "close"
        return [
            "readOnly": readOnly, "effectiveFrom": f["effective_from"] ?? "", "currency": f["currency"] ?? "", "levels": f["levels"] ?? "1",
            "minHold": f["min_hold_seconds"] ?? "0", "payOwn": f["pay_own_accounts"] == "on", "capPerLot": f["cap_per_lot"] ?? "",
            "payOnOptions": CommissionPlan.PayOn.allCases.map { ["value": $0.rawValue, "label": t["plans_pay_on_\($0.rawValue)"] ?? $0.rawValue,
                                                                 "selected": $0.rawValue == payOn] as [String: Any] },
            "rebates": rebates, "tiers": tiers,
            "revshareCommission": f["revshare_commission"] ?? "", "revshareMarkup": f["revshare_markup"] ?? "",
            "cpaAmounts": f["cpa_amounts"] ?? "", "cpaMinDeposit": f["cpa_min_deposit"] ?? "", "cpaMinLots": f["cpa_min_lots"] ?? "",
            "cpaWithinDays": f["cpa_within_days"] ?? "",
        ]
    }

    /// The changes from `a` to `b`, one row per field.
    static func diff(_ a: PlanVersionRecord, _ b: PlanVersionRecord) throws -> [[String: String]] {
        try CommissionPlanDiff.changes(from: a.body, effectiveFrom: a.effectiveFrom, to: b.body, effectiveFrom: b.effectiveFrom).map {
            ["field": $0.field, "before": $0.before ?? "—", "after": $0.after ?? "—"]
        }
    }
}
