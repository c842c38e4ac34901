import AtriumBrandConfig
import AtriumCore
import Foundation
import Hummingbird

/// The compliance editor (`compliance:`): the sanctions screening threshold and, per built-in AML
/// rule, on/off and its parameters (whole numbers as the catalog documents them). Saved through
/// `BrandSettings.update` with the `tenant apply` validation, like every editor.
struct ComplianceEditor: Sendable {
    let editor: SettingsEditor
    static let page = SettingsEditor.base + "/compliance"

    func register(on group: RouterGroup<StaffRequestContext>) {
        group.get("/compliance") { req, ctx in try await show(req, ctx) }
        group.post("/compliance") { req, ctx in try await save(req, ctx) }
    }

    func show(_ req: Request, _ ctx: StaffRequestContext, form: [String: String]? = nil, refused: SettingsProblems? = nil,
              status: HTTPResponse.Status = .ok) async throws -> Response {
        let config = try await editor.current(ctx)
        let t = editor.pages.strings(req, ctx)
        let echo = FormEcho(form: form)
        let threshold = config.complianceSettings.resolvedScreeningThreshold
        var extra: [String: Any] = [
            "threshold": echo.text("screening_threshold", String(format: "%.2f", threshold)),
            "rules": AMLRuleCatalog.all.map { spec -> [String: Any] in
                let current = config.amlSettings(spec)
                return ["id": spec.id, "name": t["aml_rule_\(spec.id)"] ?? spec.id,
                        "enabled": echo.checked("rule_\(spec.id)_enabled", current.enabled),
                        "params": spec.params.map { p -> [String: Any] in
                            ["field": "rule_\(spec.id)_\(p.name)", "name": p.name, "meaning": t["editors_compliance_param_\(p.name)"] ?? p.meaning,
                             "value": echo.text("rule_\(spec.id)_\(p.name)", String(current.params[p.name] ?? p.defaultValue)),
                             "range": "\(p.range.lowerBound)–\(p.range.upperBound)"]
                        }]
            },
        ]
        if let refused { extra.merge(SettingsEditor.problemContext(refused, t: t)) { _, new in new } }
        return try editor.render("admin/settings-compliance", "editors_compliance_title", req, ctx, extra, status: status)
    }

    func save(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = editor.pages.strings(req, ctx)
        let fields = try await Forms.read(req, context: ctx, csrf: editor.services.csrf, strings: t)
        var form = SettingsForm(fields)
        let result = try await editor.save(section: "compliance", page: Self.page, ctx) { config in
            var c = config.complianceSettings
            if form.has("screening_threshold") {
                let text = form.text("screening_threshold")
                if let value = Double(text), value.isFinite {
                    c.screeningThreshold = value
                } else {
                    form.problems.append(.init(path: "compliance.screening_threshold", expected: "a number from 0 to 1, such as 0.88"))
                }
            }
            var rules = c.amlRules ?? [:]
            for spec in AMLRuleCatalog.all where form.has("rule_\(spec.id)_present") {
                var params: [String: Int64] = [:]
                for p in spec.params {
                    if let v = form.int("rule_\(spec.id)_\(p.name)", path: "compliance.aml_rules.\(spec.id).params.\(p.name)") { params[p.name] = Int64(v) }
                }
                rules[spec.id] = TenantConfig.AMLRule(enabled: form.flag("rule_\(spec.id)_enabled"), params: params.isEmpty ? nil : params)
            }
            c.amlRules = rules.isEmpty ? nil : rules
            try form.check()
            config.compliance = c
        }
        switch result {
        case .success(let redirect): return redirect
        case .failure(let refused): return try await show(req, ctx, form: fields, refused: refused, status: .settingsRefused)
        }
    }
}
