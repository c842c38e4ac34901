import AtriumBrandConfig
import AtriumCore
import AtriumTenancy
import Foundation
import Hummingbird

/// The PSP editor (`psps:`): per PSP its currencies, countries, limits, fees and priority; a PSP is
/// disabled by removing it from the brand (the brand file has no `enabled` flag; an earlier version
/// restores it) and a new one is added here. Credentials are set on the credentials page.
struct PSPEditor: Sendable {
    let editor: SettingsEditor
    static let page = SettingsEditor.base + "/psps"
    static let types = ["sandbox", "stripe", "crypto", "bank_wire"]

    func register(on group: RouterGroup<StaffRequestContext>) {
        group.get("/psps") { req, ctx in try await show(req, ctx) }
        group.post("/psps") { req, ctx in try await save(req, ctx) }
    }

    func show(_ req: Request, _ ctx: StaffRequestContext, form: [String: String]? = nil, refused: SettingsProblems? = nil,
              status: HTTPResponse.Status = .ok) async throws -> Response {
        let config = try await editor.current(ctx)
        let t = editor.pages.strings(req, ctx)
        let echo = FormEcho(form: form)
        let disabled = try await editor.services.tenantDB.transaction(ctx.tenant.handle) { tx in try await DisabledPSPs.list(current: config, in: tx) }
        func row(_ p: TenantConfig.PSPConfig?, prefix: String) -> [String: Any] {
            let currency = p?.currencies.first ?? "USD"
            return [
                "id": p?.id ?? "", "type": p?.type ?? "", "prefix": prefix,
                "currencies": echo.text("\(prefix)_currencies", p?.currencies.joined(separator: ", ") ?? ""),
                "countries": echo.text("\(prefix)_countries", (p?.countries ?? []).joined(separator: ", ")),
                "min": echo.text("\(prefix)_min", SettingsForm.major(p?.minAmountMinor, currency: currency)),
                "max": echo.text("\(prefix)_max", SettingsForm.major(p?.maxAmountMinor, currency: currency)),
                "feeBps": echo.text("\(prefix)_fee_bps", p?.feeBps.map(String.init) ?? ""),
                "feeFixed": echo.text("\(prefix)_fee_fixed", SettingsForm.major(p?.feeFixedMinor, currency: currency)),
                "priority": echo.text("\(prefix)_priority", p?.priority.map(String.init) ?? ""),
                "remove": echo.checked("\(prefix)_remove", false),
            ]
        }
        var extra: [String: Any] = [
            "psps": (config.psps ?? []).map { row($0, prefix: "psp_\($0.id)") },
            "newPSP": row(nil, prefix: "new").merging(["newID": echo.text("new_id", "")]) { _, new in new },
            "hasDisabled": !disabled.isEmpty,
            "disabled": disabled.map { ["id": $0.id, "type": $0.type, "field": "restore_\($0.id)", "checked": echo.checked("restore_\($0.id)", false)] as [String: Any] },
            "types": Self.types.map { ["type": $0, "selected": echo.text("new_type", "") == $0] as [String: Any] },
        ]
        if let refused { extra.merge(SettingsEditor.problemContext(refused, t: t)) { _, new in new } }
        return try editor.render("admin/settings-psps", "editors_psps_title", req, ctx, extra, status: status)
    }

    func save(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = editor.pages.strings(req, ctx)
        let fields = try await Forms.read(req, context: ctx, csrf: editor.services.csrf, strings: t)
        var form = SettingsForm(fields)
        let current = try await editor.current(ctx)
        let disabled = try await editor.services.tenantDB.transaction(ctx.tenant.handle) { tx in try await DisabledPSPs.list(current: current, in: tx) }
        let result = try await editor.save(section: "psps", page: Self.page, ctx) { config in
            var out: [TenantConfig.PSPConfig] = []
            for var psp in config.psps ?? [] {
                let prefix = "psp_\(psp.id)"
                if form.flag("\(prefix)_remove") { continue }
                // A row the form does not carry keeps its settings.
                if form.has("\(prefix)_currencies") { Self.apply(&form, prefix: prefix, path: "psps[\(out.count)]", to: &psp) }
                out.append(psp)
            }
            // Re-enabled PSPs come back as they were when last enabled.
            out += disabled.filter { form.flag("restore_\($0.id)") && !out.map(\.id).contains($0.id) }
            let id = form.text("new_id")
            if !id.isEmpty {
                var psp = TenantConfig.PSPConfig(id: id, type: form.text("new_type"), currencies: [])
                Self.apply(&form, prefix: "new", path: "psps[\(out.count)]", to: &psp)
                out.append(psp)
            }
            try form.check()
            config.psps = out
        }
        switch result {
        case .success(let redirect): return redirect
        case .failure(let refused): return try await show(req, ctx, form: fields, refused: refused, status: .settingsRefused)
        }
    }

    /// Reads one PSP row; amounts are in major units of the PSP's first currency.
    static func apply(_ form: inout SettingsForm, prefix: String, path: String, to psp: inout TenantConfig.PSPConfig) {
        psp.currencies = form.list("\(prefix)_currencies", uppercased: true)
        let countries = form.countries("\(prefix)_countries", path: "\(path).countries")
        // An empty list and no list mean the same (all countries); keep the brand's spelling.
        psp.countries = countries.isEmpty && psp.countries == nil ? nil : countries
        let currency = psp.currencies.first ?? "USD"
        psp.minAmountMinor = form.money("\(prefix)_min", currency: currency, path: "\(path).min_amount_minor")
        psp.maxAmountMinor = form.money("\(prefix)_max", currency: currency, path: "\(path).max_amount_minor")
        psp.feeBps = form.int("\(prefix)_fee_bps", path: "\(path).fee_bps")
        psp.feeFixedMinor = form.money("\(prefix)_fee_fixed", currency: currency, path: "\(path).fee_fixed_minor")
        psp.priority = form.int("\(prefix)_priority", path: "\(path).priority")
        if let p = psp.priority, !(1...100).contains(p) { form.problems.append(.init(path: "\(path).priority", expected: "a priority between 1 and 100")) }
    }
}
