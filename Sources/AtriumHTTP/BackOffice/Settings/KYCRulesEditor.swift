import AtriumBrandConfig
import AtriumCore
import AtriumTenancy
import Foundation
import Hummingbird

/// The KYC rules editor (`kyc:`): blocked and high-risk countries, the proof-of-funds threshold,
/// and per jurisdiction the documents, minimum age, document age, auto-approval and registration fields.
struct KYCRulesEditor: Sendable {
    let editor: SettingsEditor
    static let page = SettingsEditor.base + "/kyc"
    static let documents = ["identity", "proof_of_address", "proof_of_funds"]
    static let registrationFields = ["phone", "tax_id"]

    func register(on group: RouterGroup<StaffRequestContext>) {
        group.get("/kyc") { req, ctx in try await show(req, ctx) }
        group.post("/kyc") { req, ctx in try await save(req, ctx) }
    }

    func show(_ req: Request, _ ctx: StaffRequestContext, form: [String: String]? = nil, refused: SettingsProblems? = nil,
              status: HTTPResponse.Status = .ok) async throws -> Response {
        let config = try await editor.current(ctx)
        let t = editor.pages.strings(req, ctx)
        let kyc = config.kyc
        let echo = FormEcho(form: form)
        let pof = kyc?.proofOfFundsThreshold
        let pofCurrency = pof?.currency ?? "USD"
        func row(_ key: String, prefix: String, _ j: TenantConfig.Jurisdiction?) -> [String: Any] {
            [
                "key": key, "prefix": prefix, "isDefault": key == "default",
                "documents": Self.documents.map { d in
                    ["name": "\(prefix)_doc_\(d)", "label": t["editors_kyc_doc_\(d)"] ?? d,
                     "checked": echo.checked("\(prefix)_doc_\(d)", j?.requiredDocuments.contains(d) ?? (d == "identity"))] as [String: Any]
                },
                "fields": Self.registrationFields.map { f in
                    ["name": "\(prefix)_field_\(f)", "label": t["editors_kyc_field_\(f)"] ?? f,
                     "checked": echo.checked("\(prefix)_field_\(f)", j?.registrationFields?.contains(f) ?? false)] as [String: Any]
                },
                "minAge": echo.text("\(prefix)_min_age", j.map { String($0.minimumAge) } ?? "18"),
                "docMaxAge": echo.text("\(prefix)_doc_max_age", j?.documentMaxAgeDays.map(String.init) ?? ""),
                "auto": echo.checked("\(prefix)_auto", j?.autoApprove ?? false),
            ]
        }
        var extra: [String: Any] = [
            "v": ["blocked": echo.text("blocked_countries", (kyc?.blockedCountries ?? []).joined(separator: ", ")),
                  "highRisk": echo.text("high_risk_countries", (kyc?.highRiskCountries ?? []).joined(separator: ", ")),
                  "pofAmount": echo.text("pof_amount", SettingsForm.major(pof?.amountMinor, currency: pofCurrency)),
                  "pofCurrency": echo.text("pof_currency", pof?.currency ?? ""),
                  "newCode": echo.text("new_code", "")],
            "jurisdictions": (kyc?.jurisdictions ?? [:]).sorted { ($0.key == "default" ? "" : $0.key) < ($1.key == "default" ? "" : $1.key) }
                .map { row($0.key, prefix: "j_\($0.key)", $0.value) },
            "newJurisdiction": row("", prefix: "new", nil),
        ]
        if let refused { extra.merge(SettingsEditor.problemContext(refused, t: t)) { _, new in new } }
        return try editor.render("admin/settings-kyc", "editors_kyc_title", req, ctx, extra, status: status)
    }

    func save(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = editor.pages.strings(req, ctx)
        let fields = try await Forms.read(req, context: ctx, csrf: editor.services.csrf, strings: t)
        var form = SettingsForm(fields)
        let result = try await editor.save(section: "kyc", page: Self.page, ctx) { config in
            var kyc = config.kyc ?? .empty
            // An empty list and no list mean the same; keep the brand's spelling so that an untouched form changes nothing.
            if form.has("blocked_countries") {
                let codes = form.countries("blocked_countries", path: "kyc.blocked_countries")
                kyc.blockedCountries = codes.isEmpty && kyc.blockedCountries == nil ? nil : codes
            }
            if form.has("high_risk_countries") {
                let codes = form.countries("high_risk_countries", path: "kyc.high_risk_countries")
                kyc.highRiskCountries = codes.isEmpty && kyc.highRiskCountries == nil ? nil : codes
            }
            if form.has("pof_amount") {
                let currency = form.text("pof_currency").uppercased()
                if let amount = form.money("pof_amount", currency: currency, path: "kyc.proof_of_funds_threshold.amount_minor") {
                    kyc.proofOfFundsThreshold = .minor(amount, currency)
                } else if form.text("pof_amount").isEmpty {
                    kyc.proofOfFundsThreshold = nil
                }
            }
            var jurisdictions = kyc.jurisdictions ?? [:]
            for key in jurisdictions.keys.sorted() {
                let prefix = "j_\(key)"
                if key != "default" && form.flag("\(prefix)_remove") { jurisdictions[key] = nil; continue }
                guard form.has("\(prefix)_min_age") else { continue }
                jurisdictions[key] = Self.jurisdiction(&form, prefix: prefix, path: "kyc.jurisdictions.\(key)")
            }
            let code = form.text("new_code").uppercased()
            if !code.isEmpty {
                if code != "DEFAULT" && !CountryCodes.isKnown(code) {
                    form.problems.append(.init(path: "kyc.jurisdictions.\(code)", expected: "an ISO 3166 alpha-2 country code like DE"))
                } else if jurisdictions[code == "DEFAULT" ? "default" : code] != nil {
                    form.problems.append(.init(path: "kyc.jurisdictions.\(code)", expected: "a country without rules yet (edit its row instead)"))
                } else {
                    jurisdictions[code == "DEFAULT" ? "default" : code] = Self.jurisdiction(&form, prefix: "new", path: "kyc.jurisdictions.\(code)")
                }
            }
            kyc.jurisdictions = jurisdictions
            try form.check()
            config.kyc = kyc
        }
        switch result {
        case .success(let redirect): return redirect
        case .failure(let refused): return try await show(req, ctx, form: fields, refused: refused, status: .settingsRefused)
        }
    }

    static func jurisdiction(_ form: inout SettingsForm, prefix: String, path: String) -> TenantConfig.Jurisdiction {
        let minimumAge = form.int("\(prefix)_min_age", path: "\(path).minimum_age")
        if minimumAge == nil && form.text("\(prefix)_min_age").isEmpty {
            form.problems.append(.init(path: "\(path).minimum_age", expected: "an age between 16 and 99"))
        }
        let maxAge = form.int("\(prefix)_doc_max_age", path: "\(path).document_max_age_days")
        if let maxAge, !(1...3650).contains(maxAge) {
            form.problems.append(.init(path: "\(path).document_max_age_days", expected: "a number of days between 1 and 3650"))
        }
        let docs = documents.filter { form.flag("\(prefix)_doc_\($0)") }
        if docs.isEmpty { form.problems.append(.init(path: "\(path).required_documents", expected: "at least one document")) }
        let extra = registrationFields.filter { form.flag("\(prefix)_field_\($0)") }
        return TenantConfig.Jurisdiction(requiredDocuments: docs, minimumAge: minimumAge ?? 0, documentMaxAgeDays: maxAge,
                                         autoApprove: form.flag("\(prefix)_auto"), registrationFields: extra.isEmpty ? nil : extra)
    }
}
