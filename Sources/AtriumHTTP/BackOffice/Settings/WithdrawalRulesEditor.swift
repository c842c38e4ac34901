import AtriumBrandConfig
import AtriumCore
import AtriumTenancy
import Foundation
import Hummingbird

/// The withdrawal rules editor (`withdrawals:`): per-currency auto-approval and dual-approval
/// limits, KYC age, device age, unusual-amount multiplier and the daily count.
struct WithdrawalRulesEditor: Sendable {
    let editor: SettingsEditor
    static let page = SettingsEditor.base + "/withdrawals"
    static let counts = ["kyc_max_age_days", "known_device_min_age_hours", "unusual_amount_multiplier", "max_per_day"]

    func register(on group: RouterGroup<StaffRequestContext>) {
        group.get("/withdrawals") { req, ctx in try await show(req, ctx) }
        group.post("/withdrawals") { req, ctx in try await save(req, ctx) }
    }

    static func count(_ w: TenantConfig.WithdrawalPolicy?, _ name: String) -> Int? {
        switch name {
        case "kyc_max_age_days": w?.kycMaxAgeDays
        case "known_device_min_age_hours": w?.knownDeviceMinAgeHours
        case "unusual_amount_multiplier": w?.unusualAmountMultiplier
        default: w?.maxPerDay
        }
    }

    func show(_ req: Request, _ ctx: StaffRequestContext, form: [String: String]? = nil, refused: SettingsProblems? = nil,
              status: HTTPResponse.Status = .ok) async throws -> Response {
        let config = try await editor.current(ctx)
        let t = editor.pages.strings(req, ctx)
        let echo = FormEcho(form: form)
        let w = config.withdrawals
        var extra: [String: Any] = [
            "currencies": CurrencyLimitRows.rows([("auto", w?.autoApproveMaxMinor ?? [:]), ("dual", w?.dualApprovalAboveMinor ?? [:])], echo: echo),
            "counts": Self.counts.map { name in
                ["name": name, "label": t["editors_withdrawals_\(name)"] ?? name,
                 "value": echo.text(name, Self.count(w, name).map(String.init) ?? "")] as [String: Any]
            },
            "v": ["newCurrency": echo.text("new_currency", ""), "newAuto": echo.text("new_auto", ""), "newDual": echo.text("new_dual", "")],
        ]
        if let refused { extra.merge(SettingsEditor.problemContext(refused, t: t)) { _, new in new } }
        return try editor.render("admin/settings-withdrawals", "editors_withdrawals_title", req, ctx, extra, status: status)
    }

    func save(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = editor.pages.strings(req, ctx)
        let fields = try await Forms.read(req, context: ctx, csrf: editor.services.csrf, strings: t)
        var form = SettingsForm(fields)
        let result = try await editor.save(section: "withdrawals", page: Self.page, ctx) { config in
            var w = config.withdrawals ?? TenantConfig.WithdrawalPolicy()
            let maps = CurrencyLimitRows.read(&form, columns: [("auto", "withdrawals.auto_approve_max_minor", w.autoApproveMaxMinor ?? [:]),
                                                               ("dual", "withdrawals.dual_approval_above_minor", w.dualApprovalAboveMinor ?? [:])])
            w.autoApproveMaxMinor = maps["auto"]
            w.dualApprovalAboveMinor = maps["dual"]
            for (code, auto) in (maps["auto"] ?? [:]).sorted(by: { $0.key < $1.key }) {
                if let dual = maps["dual"]?[code], auto > dual {
                    form.problems.append(.init(path: "withdrawals.auto_approve_max_minor.\(code)", expected: "not above the dual-approval limit of \(code)"))
                }
            }
            func count(_ name: String, _ current: Int?) -> Int? {
                form.has(name) ? form.int(name, path: "withdrawals.\(name)") : current
            }
            w.kycMaxAgeDays = count("kyc_max_age_days", w.kycMaxAgeDays)
            w.knownDeviceMinAgeHours = count("known_device_min_age_hours", w.knownDeviceMinAgeHours)
            w.unusualAmountMultiplier = count("unusual_amount_multiplier", w.unusualAmountMultiplier)
            w.maxPerDay = count("max_per_day", w.maxPerDay)
            try form.check()
            config.withdrawals = w
        }
        switch result {
        case .success(let redirect): return redirect
        case .failure(let refused): return try await show(req, ctx, form: fields, refused: refused, status: .settingsRefused)
        }
    }
}
