import AtriumBrandConfig
import AtriumCore
import AtriumTenancy
import Foundation
import Hummingbird

/// The IB defaults editor (`partners:`): settlement frequency, settlement auto-approval limits per
/// currency, what IBs see of their clients, the IB wallet currency and the spread markup per
/// symbol group (major units of the default currency).
struct PartnerDefaultsEditor: Sendable {
    let editor: SettingsEditor
    static let page = SettingsEditor.base + "/partners"

    func register(on group: RouterGroup<StaffRequestContext>) {
        group.get("/partners") { req, ctx in try await show(req, ctx) }
        group.post("/partners") { req, ctx in try await save(req, ctx) }
    }

    func show(_ req: Request, _ ctx: StaffRequestContext, form: [String: String]? = nil, refused: SettingsProblems? = nil,
              status: HTTPResponse.Status = .ok) async throws -> Response {
        let config = try await editor.current(ctx)
        let t = editor.pages.strings(req, ctx)
        let echo = FormEcho(form: form)
        let p = config.partnerProgram
        let currency = p.resolvedCurrency
        func options(_ key: String, _ values: [String], _ current: String) -> [[String: Any]] {
            values.map { ["value": $0, "label": t["editors_partners_\(key)_\($0)"] ?? $0, "selected": echo.text(key, current) == $0] }
        }
        var extra: [String: Any] = [
            "settlements": options("settlement", ["daily", "monthly"], p.resolvedSettlement),
            "privacies": options("client_privacy", ["initials", "full"], p.clientPrivacy ?? "initials"),
            "v": ["currency": echo.text("default_currency", currency), "newCurrency": echo.text("new_currency", ""), "newAuto": echo.text("new_auto", "")],
            "currencies": CurrencyLimitRows.rows([("auto", p.autoApproveMaxMinor ?? [:])], echo: echo),
            "markups": config.symbolGroupNames.sorted().map { g in
                ["group": g, "field": "markup_\(g)", "value": echo.text("markup_\(g)", SettingsForm.major(p.spreadMarkupPerLotMinor?[g], currency: currency))] as [String: Any]
            },
        ]
        if let refused { extra.merge(SettingsEditor.problemContext(refused, t: t)) { _, new in new } }
        return try editor.render("admin/settings-partners", "editors_partners_title", req, ctx, extra, status: status)
    }

    func save(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = editor.pages.strings(req, ctx)
        let fields = try await Forms.read(req, context: ctx, csrf: editor.services.csrf, strings: t)
        var form = SettingsForm(fields)
        let result = try await editor.save(section: "partners", page: Self.page, ctx) { config in
            var p = config.partnerProgram
            if form.has("settlement") { p.settlement = form.text("settlement") }
            if form.has("client_privacy") { p.clientPrivacy = form.text("client_privacy") }
            if form.has("default_currency") { p.defaultCurrency = form.text("default_currency").uppercased() }
            let maps = CurrencyLimitRows.read(&form, columns: [("auto", "partners.auto_approve_max_minor", p.autoApproveMaxMinor ?? [:])])
            p.autoApproveMaxMinor = maps["auto"]
            var markups = p.spreadMarkupPerLotMinor ?? [:]
            for g in config.symbolGroupNames.sorted() where form.has("markup_\(g)") {
                markups[g] = nil
                if let v = form.money("markup_\(g)", currency: p.resolvedCurrency, path: "partners.spread_markup_per_lot_minor.\(g)") { markups[g] = v }
            }
            p.spreadMarkupPerLotMinor = markups.isEmpty ? nil : markups
            try form.check()
            config.partners = p
        }
        switch result {
        case .success(let redirect): return redirect
        case .failure(let refused): return try await show(req, ctx, form: fields, refused: refused, status: .settingsRefused)
        }
    }
}
