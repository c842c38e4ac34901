import AtriumBrandConfig
import AtriumCore
import AtriumTenancy
import Foundation
import Hummingbird

/// Builds the dictionaries templates render from. Keys follow the template contract in `templates/README.md`.
enum PageContext {
    static func brand(_ c: TenantConfig, locale: String, renderer: Renderer) -> [String: Any] {
        // Optional values are left out rather than set to "": Mustache treats any string as true.
        var brand: [String: Any] = [
            "name": c.name, "slug": c.slug.value, "primaryColor": c.branding.primaryColor, "accentColor": c.branding.accentColor,
            "legalFooter": c.branding.legalFooter,
            "locales": c.locales.available.map { code in
                ["code": code, "name": renderer.strings(code)["locale_name"] ?? code, "selected": code == locale] as [String: Any]
            },
        ]
        if let logo = c.branding.logo { brand["logoURL"] = BrandAssets.isAsset(logo) ? "/brand/assets/\(logo)" : "/static/brand/\(logo)" }
        if let email = c.branding.supportEmail { brand["supportEmail"] = email }
        return brand
    }

    /// Picks the locale: `?lang=` (among the brand's), then the `atrium_lang` cookie, then the brand default.
    static func locale(for request: Request, available: [String], fallback: String) -> String {
        if let q = request.uri.queryParameters.get("lang"), available.contains(q) { return q }
        if let c = request.cookies["atrium_lang"]?.value, available.contains(c) { return c }
        return fallback
    }

    /// The base context of every page.
    /// The request's locale for its site, without building a page context.
    static func locale(for request: Request, site: Site) -> String {
        switch site {
        case .brand(let tenant):
            guard let config = tenant.config else { return "en" }
            return locale(for: request, available: config.locales.available, fallback: config.locales.default)
        case .console:
            return locale(for: request, available: ["en", "es"], fallback: "en")
        case .unknown:
            return "en"
        }
    }

    static func base(request: Request, context: some AtriumContext, services: AppServices, title: String) -> (ctx: [String: Any], locale: String) {
        let locale = locale(for: request, site: context.site)
        var ctx: [String: Any] = ["requestId": context.requestID]
        switch context.site {
        case .brand(let tenant):
            if let config = tenant.config { ctx["brand"] = brand(config, locale: locale, renderer: services.renderer) }
        case .console:
            ctx["console"] = ["name": "Atrium Operator Console"]
        case .unknown:
            break
        }
        let t = services.renderer.strings(locale)
        ctx["t"] = t
        ctx["lang"] = locale
        ctx["dir"] = TenantConfig.Locale.rightToLeft.contains(locale) ? "rtl" : "ltr"
        ctx["title"] = t[title] ?? title
        ctx["csrf"] = services.csrf.token(for: Forms.csrfCookieValue(request))
        return (ctx, locale)
    }
}
