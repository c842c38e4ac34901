import AtriumBrandConfig
import AtriumCore
import AtriumKYC
import AtriumTenancy
import Foundation
import Hummingbird

/// The branding editor: brand name, colours, legal footer, languages, and the logo upload.
struct BrandingEditor: Sendable {
    let editor: SettingsEditor
    static let page = SettingsEditor.base + "/branding"
    /// Largest upload body: the logo limit plus room for the form's other parts.
    static let maxUploadBody = BrandLogo.maxBytes + 64 * 1024

    func register(on group: RouterGroup<StaffRequestContext>) {
        group.get("/branding") { req, ctx in try await show(req, ctx) }
        group.post("/branding") { req, ctx in try await save(req, ctx) }
        group.post("/branding/logo") { req, ctx in try await uploadLogo(req, ctx) }
    }

    func show(_ req: Request, _ ctx: StaffRequestContext, form: [String: String]? = nil, refused: SettingsProblems? = nil,
              status: HTTPResponse.Status = .ok) async throws -> Response {
        let config = try await editor.current(ctx)
        let t = editor.pages.strings(req, ctx)
        func value(_ key: String, _ current: String) -> String { form?[key] ?? current }
        let available = form.map { f in TenantConfig.Locale.supported.filter { f["locale_\($0)"] != nil } } ?? Set(config.locales.available)
        let defaultLocale = value("default_locale", config.locales.default)
        let locales = TenantConfig.Locale.supported.sorted().map { code in
            ["code": code, "name": editor.services.renderer.strings(code)["locale_name"] ?? code,
             "available": available.contains(code), "isDefault": code == defaultLocale] as [String: Any]
        }
        var extra: [String: Any] = [
            "v": ["name": value("name", config.name), "primary_color": value("primary_color", config.branding.primaryColor),
                  "accent_color": value("accent_color", config.branding.accentColor), "legal_footer": value("legal_footer", config.branding.legalFooter)],
            "locales": locales, "maxLogoKB": BrandLogo.maxBytes / 1024,
        ]
        if let logo = config.branding.logo {
            extra["logoURL"] = BrandAssets.isAsset(logo) ? "/brand/assets/\(logo)" : "/static/brand/\(logo)"
        }
        if let refused { extra.merge(SettingsEditor.problemContext(refused, t: t)) { _, new in new } }
        return try editor.render("admin/settings-branding", "editors_branding_title", req, ctx, extra, status: status)
    }

    func save(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = editor.pages.strings(req, ctx)
        let fields = try await Forms.read(req, context: ctx, csrf: editor.services.csrf, strings: t)
        let form = SettingsForm(fields)
        let result = try await editor.save(section: "branding", page: Self.page, ctx) { config in
            if form.has("name") { config.name = form.text("name") }
            if form.has("primary_color") { config.branding.primaryColor = form.text("primary_color").lowercased() }
            if form.has("accent_color") { config.branding.accentColor = form.text("accent_color").lowercased() }
            if form.has("legal_footer") { config.branding.legalFooter = form.text("legal_footer") }
            // The language checkboxes come with the default-language select.
            if form.has("default_locale") {
                // Keep the brand's order for languages it already had; newly ticked ones follow.
                let ticked = TenantConfig.Locale.supported.filter { fields["locale_\($0)"] != nil }
                config.locales.available = config.locales.available.filter(ticked.contains) + ticked.subtracting(config.locales.available).sorted()
                config.locales.default = form.text("default_locale")
            }
        }
        switch result {
        case .success(let redirect): return redirect
        case .failure(let refused): return try await show(req, ctx, form: fields, refused: refused, status: .settingsRefused)
        }
    }

    /// One logo per request (multipart field `logo`): checked by content and size, stored in the
    /// tenant's `brand_assets`, then `branding.logo` names it. A refused file stores nothing.
    func uploadLogo(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = editor.pages.strings(req, ctx)
        do {
            let parts = try await Forms.readMultipart(req, maxBytes: Self.maxUploadBody, csrf: editor.services.csrf, strings: t,
                                                      tooLarge: LogoRejection.tooLarge(maxBytes: BrandLogo.maxBytes))
            guard let file = parts.first(where: { $0.name == "logo" && $0.fileName != nil }) else { throw LogoRejection.empty }
            let logo = try BrandLogo.inspect(file.data)
            let sha = DocumentInspector.fingerprint(file.data)
            let name = try await editor.services.tenantDB.transaction(ctx.tenant.handle) { tx in
                try await BrandAssets.storeLogo(file.data, logo: logo, sha256: sha, actor: ctx.staff.actor, in: tx)
            }
            let result = try await editor.save(section: "branding", page: Self.page, ctx) { $0.branding.logo = name }
            switch result {
            case .success(let redirect): return redirect
            case .failure(let refused): return try await show(req, ctx, refused: refused, status: .settingsRefused)
            }
        } catch let rejection as LogoRejection {
            let reason = t["editors_logo_\(Self.key(rejection))"] ?? rejection.reason
            let status: HTTPResponse.Status = if case .tooLarge = rejection { .contentTooLarge } else { .settingsRefused }
            return try await show(req, ctx, refused: SettingsProblems(problems: [.init(path: "branding.logo", expected: reason)]), status: status)
        }
    }

    static func key(_ r: LogoRejection) -> String {
        switch r {
        case .empty: "empty"
        case .tooLarge: "too_large"
        case .unsupportedType: "unsupported"
        case .malformed: "malformed"
        case .badDimensions: "dimensions"
        }
    }
}
