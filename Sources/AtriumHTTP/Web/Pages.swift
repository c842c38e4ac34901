import AtriumBrandConfig
import AtriumCore
import AtriumIdentity
import AtriumTenancy
import Foundation
import Hummingbird

/// Renders a page with the base context plus `extra`.
struct Pages: Sendable {
    let services: AppServices

    func render(_ template: String, title: String, request: Request, context: some AtriumContext,
                extra: [String: Any] = [:], status: HTTPResponse.Status = .ok) throws -> Response {
        var (ctx, _) = PageContext.base(request: request, context: context, services: services, title: title)
        ctx.merge(extra) { _, new in new }
        let html = try services.renderer.render(template, brand: context.brandSlug, context: ctx)
        var response = Responses.html(html, status: status)
        if let lang = request.uri.queryParameters.get("lang"), TenantConfig.Locale.supported.contains(lang) {
            response.setCookie(Cookie(name: "atrium_lang", value: lang, maxAge: 365 * 86400, path: "/", httpOnly: true, sameSite: .lax))
        }
        return response
    }

    /// Renders `template` again with the error of a rejected form and the status it carries.
    func rejected(_ error: any Error, template: String, title: String, request: Request, context: some AtriumContext,
                  extra: [String: Any] = [:]) throws -> Response {
        guard let user = error as? any UserFacingError else { throw error }
        let t = strings(request, context)
        var extra = extra
        extra["error"] = t[user.publicMessage] ?? user.publicMessage
        return try render(template, title: title, request: request, context: context, extra: extra, status: HTTPResponse.Status(code: user.status))
    }

    /// Reads a set-password form (`password`, `password_confirm`, CSRF) and returns the new hash.
    func newPasswordHash(_ request: Request, _ context: some AtriumContext, strings t: [String: String]) async throws -> String {
        let form = try await Forms.read(request, context: context, csrf: services.csrf, strings: t)
        let password = try Forms.required(form, "password", max: PasswordHasher.maximumLength, strings: t)
        guard password.count >= PasswordHasher.minimumLength else { throw RequestRejected(status: 400, publicMessage: "error_password_too_short") }
        guard form["password_confirm"] == password else { throw RequestRejected(status: 400, publicMessage: "error_passwords_differ") }
        return try await services.authenticator.hasher.hash(password)
    }

    /// Locale strings for this request.
    func strings(_ request: Request, _ context: some AtriumContext) -> [String: String] {
        services.renderer.strings(PageContext.locale(for: request, site: context.site))
    }
}
