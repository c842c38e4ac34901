import AtriumBrandConfig
import AtriumCore
import AtriumIdentity
import AtriumStorage
import AtriumWork
import Foundation
import Hummingbird

/// Branded email templates (`brand.manage`): the list per locale, the editor with a preview, save
/// (validated, audited) and reset to the default (deletes the override).
struct EmailTemplateRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }
    var mail: BrandMail { BrandMail(renderer: services.renderer) }

    func register(on router: Router<BrandRequestContext>) {
        let group = router.staff("/admin/settings/emails", .brandManage, services: services)
        group.get("") { req, ctx in try await list(req, ctx) }
        group.get("/:name/:locale") { req, ctx in try await edit(req, ctx) }
        group.post("/:name/:locale") { req, ctx in try await save(req, ctx, previewOnly: false) }
        group.post("/:name/:locale/preview") { req, ctx in try await save(req, ctx, previewOnly: true) }
        group.post("/:name/:locale/reset") { req, ctx in try await reset(req, ctx) }
    }

    func render(_ template: String, _ title: String, _ req: Request, _ ctx: StaffRequestContext, _ extra: [String: Any],
                status: HTTPResponse.Status = .ok) throws -> Response {
        let staff = RequirePermission.pageContext(ctx.staff)
        return try pages.render(template, title: title, request: req, context: ctx, extra: staff.merging(extra) { _, new in new }, status: status)
    }

    func brand(_ ctx: StaffRequestContext) throws -> TenantConfig {
        guard let brand = ctx.tenant.config else { throw HTTPError(.notFound) }
        return brand
    }

    /// The template and locale named in the path; an unknown name or a locale the brand does not offer is a 404.
    func target(_ ctx: StaffRequestContext, _ brand: TenantConfig) throws -> (kind: EmailTemplateKind, locale: String) {
        guard let kind = EmailTemplateKind(rawValue: ctx.parameters.get("name") ?? ""),
              let locale = ctx.parameters.get("locale"), brand.locales.available.contains(locale) else { throw HTTPError(.notFound) }
        return (kind, locale)
    }

    func list(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let brand = try brand(ctx)
        let t = pages.strings(req, ctx)
        let overrides = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await EmailTemplates.all(in: tx) }
        let formatter = ISO8601DateFormatter()
        let rows: [[String: Any]] = EmailTemplateKind.allCases.flatMap { kind in
            brand.locales.available.map { locale -> [String: Any] in
                let o = overrides.first { $0.name == kind.rawValue && $0.locale == locale }
                var row: [String: Any] = ["name": kind.rawValue, "label": t[kind.labelKey] ?? kind.rawValue, "locale": locale,
                                          "localeName": services.renderer.strings(locale)["locale_name"] ?? locale, "overridden": o != nil]
                if let o { row["updatedBy"] = o.updatedBy; row["updatedAt"] = formatter.string(from: o.updatedAt) }
                return row
            }
        }
        var extra: [String: Any] = ["templates": rows]
        if let done = req.uri.queryParameters.get("done"), let text = t["emails_notice_\(done)"] { extra["notice"] = text }
        return try render("admin/emails", "emails_title", req, ctx, extra)
    }

    /// The editor, prefilled with the override, the default, or the refused form; with a preview when asked.
    func edit(_ req: Request, _ ctx: StaffRequestContext, form: (subject: String, body: String)? = nil, extra more: [String: Any] = [:],
              status: HTTPResponse.Status = .ok) async throws -> Response {
        let brand = try brand(ctx)
        let (kind, locale) = try target(ctx, brand)
        let t = pages.strings(req, ctx)
        let stored = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            try await EmailTemplates.find(name: kind.rawValue, locale: locale, in: tx)
        }
        let defaults = mail.defaults(kind, brand: brand, locale: locale)
        let shown = form ?? stored.map { ($0.subject, $0.body) } ?? defaults
        var extra: [String: Any] = [
            "name": kind.rawValue, "label": t[kind.labelKey] ?? kind.rawValue, "locale": locale, "subject": shown.subject, "body": shown.body,
            "overridden": stored != nil, "variables": kind.variables.map { "{{\($0)}}" } + ["{{t.…}}"],
            "defaultSubject": defaults.subject, "defaultBody": defaults.body,
        ]
        if let stored { extra["updatedBy"] = stored.updatedBy; extra["updatedAt"] = stored.updatedAt.formatted(.iso8601) }
        if req.uri.queryParameters.get("saved") != nil { extra["notice"] = t["emails_notice_saved"] ?? "Saved." }
        extra.merge(more) { _, new in new }
        return try render("admin/email-edit", "emails_title_edit", req, ctx, extra, status: status)
    }

    /// Validates the form; saves it, or (for `previewOnly`) renders it with sample values without saving.
    func save(_ req: Request, _ ctx: StaffRequestContext, previewOnly: Bool) async throws -> Response {
        let brand = try brand(ctx)
        let (kind, locale) = try target(ctx, brand)
        let t = pages.strings(req, ctx)
        let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
        // Browsers send CRLF line ends from a textarea; mail bodies are stored with LF.
        let subject = (form["subject"] ?? "").trimmingCharacters(in: .whitespaces)
        let body = (form["body"] ?? "").replacingOccurrences(of: "\r\n", with: "\n")
        let problems = EmailTemplateValidation.problems(subject: subject, body: body, kind: kind, strings: services.renderer.strings(locale))
        guard problems.isEmpty else {
            return try await edit(req, ctx, form: (subject, body), extra: [
                "error": t["emails_error_fields"] ?? "Please correct these fields.", "hasProblems": true,
                "problems": problems.map { ["field": $0.field, "reason": $0.reason] },
            ], status: .unprocessableContent)
        }
        if previewOnly {
            let sample = try mail.render(kind, brand: brand, locale: locale, link: AppServices.baseURL(config: services.config)(brand) + "/example-link",
                                         email: "client@example.com", override: (subject, body))
            return try await edit(req, ctx, form: (subject, body), extra: ["preview": ["subject": sample.subject, "body": sample.body]])
        }
        let (actor, requestID, editor) = (ctx.staff.actor, ctx.requestID, ctx.staff.user.email)
        try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            try await EmailTemplates.save(EmailTemplateOverride(name: kind.rawValue, locale: locale, subject: subject, body: body, updatedBy: editor),
                                          actor: actor, requestID: requestID, in: tx)
        }
        return Responses.seeOther("/admin/settings/emails/\(kind.rawValue)/\(locale)?saved=1")
    }

    func reset(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let brand = try brand(ctx)
        let (kind, locale) = try target(ctx, brand)
        _ = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: pages.strings(req, ctx))
        let (actor, requestID) = (ctx.staff.actor, ctx.requestID)
        try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            try await EmailTemplates.reset(name: kind.rawValue, locale: locale, actor: actor, requestID: requestID, in: tx)
        }
        return Responses.seeOther("/admin/settings/emails?done=reset")
    }
}
