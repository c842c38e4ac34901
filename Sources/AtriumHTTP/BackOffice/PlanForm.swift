import AtriumCore
import AtriumPartners
import Foundation

/// The plan editor form ↔ `CommissionPlan`. Amounts are typed as decimals (`5.00`) in the plan's
/// currency and become minor units through `DecimalAmount`; percentages (`20.00`) become basis
/// points; lots (`1.5`) become 1/100,000,000 lot. Lists of per-level values are comma-separated,
/// level 1 first. Every problem names the plan field as `CommissionPlan.problems` does
/// (`rebates[0].per_lot_minor[1]`), whether the text did not parse or the value is not allowed.
enum PlanForm {
    /// Rebate and tier rows the form offers (blank rows are ignored).
    static let rebateRows = 6
    static let tierRows = 4

    /// A parsed form: the plan and its effective date, or every problem found.
    static func parse(_ form: [String: String], symbolGroups: Set<String>, now: Date = Date()) -> Result<(CommissionPlan, Date), PlanError> {
        var problems: [PlanProblem] = []
        func text(_ name: String) -> String { (form[name] ?? "").trimmingCharacters(in: .whitespaces) }
        func integer(_ name: String, field: String, default value: Int) -> Int {
            let t = text(name)
            if t.isEmpty { return value }
            guard let n = Int(t) else { problems.append(PlanProblem(field: field, reason: "a whole number")); return value }
            return n
        }
        func decimal(_ t: String, exponent: Int, field: String, example: String) -> Int64? {
            do { return try DecimalAmount.parse(t, exponent: exponent, allowNegative: true) } catch {
                problems.append(PlanProblem(field: field, reason: "a number like \(example)"))
                return nil
            }
        }
        func list(_ name: String, exponent: Int, field: String, example: String) -> [Int64] {
            let t = text(name)
            guard !t.isEmpty else { return [] }
            return t.split(separator: ",", omittingEmptySubsequences: false).enumerated().compactMap { i, part in
                decimal(part.trimmingCharacters(in: .whitespaces), exponent: exponent, field: "\(field)[\(i)]", example: example)
            }
        }

        let currency = text("currency").uppercased()
        let exponent = ISO4217.exponents[currency] ?? 2
        let effectiveFrom = Self.date(text("effective_from"))
        if effectiveFrom == nil { problems.append(PlanProblem(field: "effective_from", reason: "a date and time like 2026-01-31T00:00 (UTC)")) }
        let payOn = CommissionPlan.PayOn(rawValue: text("pay_on"))
        if payOn == nil { problems.append(PlanProblem(field: "pay_on", reason: "open, close or both")) }
        var plan = CommissionPlan(currency: currency, payOn: payOn ?? .close,
                                  minHoldSeconds: integer("min_hold_seconds", field: "min_hold_seconds", default: 0),
                                  payOwnAccounts: text("pay_own_accounts") == "on",
                                  levels: integer("levels", field: "levels", default: 1))
        if !text("cap_per_lot").isEmpty {
            plan.capPerLotMinor = decimal(text("cap_per_lot"), exponent: exponent, field: "cap_per_lot_minor", example: "6.50")
        }
        for row in 0..<rebateRows {
            let group = text("rebate_\(row)_group"), amounts = text("rebate_\(row)_amounts"), type = text("rebate_\(row)_account_type")
            guard !group.isEmpty || !amounts.isEmpty else { continue }
            let path = "rebates[\(plan.rebates.count)]"
            plan.rebates.append(.init(symbolGroup: group, accountType: type.isEmpty ? nil : type,
                                      perLotMinor: list("rebate_\(row)_amounts", exponent: exponent, field: "\(path).per_lot_minor", example: "5.00")))
        }
        let commission = list("revshare_commission", exponent: 2, field: "revenue_share.commission_bps", example: "20.00")
        let markup = list("revshare_markup", exponent: 2, field: "revenue_share.markup_bps", example: "10.00")
        if !commission.isEmpty || !markup.isEmpty {
            plan.revenueShare = .init(commissionBps: commission.map(Self.clampedInt), markupBps: markup.map(Self.clampedInt))
        }
        if !text("cpa_amounts").isEmpty {
            plan.cpa = .init(perLevelMinor: list("cpa_amounts", exponent: exponent, field: "cpa.per_level_minor", example: "250.00"),
                             minFirstDepositMinor: decimal(text("cpa_min_deposit").isEmpty ? "0" : text("cpa_min_deposit"), exponent: exponent,
                                                           field: "cpa.min_first_deposit_minor", example: "200.00") ?? 0,
                             minLotsExt: decimal(text("cpa_min_lots").isEmpty ? "0" : text("cpa_min_lots"), exponent: 8,
                                                 field: "cpa.min_lots_ext", example: "1.00") ?? 0,
                             withinDays: integer("cpa_within_days", field: "cpa.within_days", default: 30))
        }
        for row in 0..<tierRows {
            let lots = text("tier_\(row)_lots"), bonus = text("tier_\(row)_bonus")
            guard !lots.isEmpty || !bonus.isEmpty else { continue }
            let path = "tiers[\(plan.tiers.count)]"
            plan.tiers.append(.init(minLotsExt: decimal(lots, exponent: 8, field: "\(path).min_lots_ext", example: "100") ?? 0,
                                    rebateBonusBps: Self.clampedInt(decimal(bonus.isEmpty ? "0" : bonus, exponent: 2,
                                                                            field: "\(path).rebate_bonus_bps", example: "10.00") ?? 0)))
        }
        problems += plan.problems(symbolGroups: symbolGroups, effectiveFrom: effectiveFrom, now: now)
        guard problems.isEmpty, let effectiveFrom else { return .failure(.invalid(Self.unique(problems))) }
        return .success((plan, effectiveFrom))
    }

    /// The form's field values for `plan` (to edit a draft or start one from a version).
    static func values(_ plan: CommissionPlan, effectiveFrom: Date?) -> [String: String] {
        let exponent = ISO4217.exponents[plan.currency] ?? 2
        func money(_ v: [Int64]) -> String { v.map { DecimalAmount.format($0, exponent: exponent) }.joined(separator: ", ") }
        func percent(_ v: [Int]) -> String { v.map { DecimalAmount.format(Int64($0), exponent: 2) }.joined(separator: ", ") }
        var out: [String: String] = [
            "currency": plan.currency, "pay_on": plan.payOn.rawValue, "min_hold_seconds": "\(plan.minHoldSeconds)",
            "levels": "\(plan.levels)", "pay_own_accounts": plan.payOwnAccounts ? "on" : "",
            "cap_per_lot": plan.capPerLotMinor.map { DecimalAmount.format($0, exponent: exponent) } ?? "",
            "revshare_commission": percent(plan.revenueShare?.commissionBps ?? []), "revshare_markup": percent(plan.revenueShare?.markupBps ?? []),
        ]
        if let effectiveFrom { out["effective_from"] = Self.formatDate(effectiveFrom) }
        for (i, r) in plan.rebates.enumerated() {
            out["rebate_\(i)_group"] = r.symbolGroup
            out["rebate_\(i)_account_type"] = r.accountType ?? ""
            out["rebate_\(i)_amounts"] = money(r.perLotMinor)
        }
        if let cpa = plan.cpa {
            out["cpa_amounts"] = money(cpa.perLevelMinor)
            out["cpa_min_deposit"] = DecimalAmount.format(cpa.minFirstDepositMinor, exponent: exponent)
            out["cpa_min_lots"] = Self.lots(cpa.minLotsExt)
            out["cpa_within_days"] = "\(cpa.withinDays)"
        }
        for (i, t) in plan.tiers.enumerated() {
            out["tier_\(i)_lots"] = Self.lots(t.minLotsExt)
            out["tier_\(i)_bonus"] = DecimalAmount.format(Int64(t.rebateBonusBps), exponent: 2)
        }
        return out
    }

    /// `150000000` → `1.5` (lots without trailing zeros).
    static func lots(_ ext: Int64) -> String {
        var s = DecimalAmount.format(ext, exponent: 8)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    /// `2026-01-31T09:30` (what a `datetime-local` input sends), with optional seconds or a
    /// trailing `Z`, or a bare date; always UTC.
    static func date(_ text: String) -> Date? {
        let t = text.hasSuffix("Z") ? String(text.dropLast()) : text
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd"] {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            f.dateFormat = format
            if let d = f.date(from: t) { return d }
        }
        return nil
    }

    /// The `datetime-local` value of `date` in UTC.
    static func formatDate(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd'T'HH:mm"
        return f.string(from: date)
    }

    /// Basis points fit `Int`; an absurd figure is kept out of range so validation names it.
    static func clampedInt(_ v: Int64) -> Int { Int(clamping: v) }

    /// The same field and reason once, in the order found.
    static func unique(_ problems: [PlanProblem]) -> [PlanProblem] {
        var seen = Set<String>()
        return problems.filter { seen.insert($0.description).inserted }
    }
}
