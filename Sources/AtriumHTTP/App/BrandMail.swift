import AtriumBrandConfig
import AtriumStorage
import AtriumWork
import Foundation
import Mustache

/// Composes every email the app sends for a brand: the brand's saved override of the template in
/// that locale when there is one (`email_templates`), the template file otherwise.
struct BrandMail: Sendable {
    let renderer: Renderer

    /// Subject and body of `kind` for `brand` in `locale`, reading the override in `tx`.
    func compose(_ kind: EmailTemplateKind, brand: TenantConfig, locale: String, link: String, email: String,
                 in tx: TenantTransaction) async throws -> (subject: String, body: String) {
        let stored = try await EmailTemplates.find(name: kind.rawValue, locale: locale, in: tx)
        return try render(kind, brand: brand, locale: locale, link: link, email: email, override: stored.map { ($0.subject, $0.body) })
    }

    /// Renders `kind` with the given values: `override` (subject, body) when given, the defaults otherwise.
    func render(_ kind: EmailTemplateKind, brand: TenantConfig, locale: String, link: String, email: String,
                override: (subject: String, body: String)?) throws -> (subject: String, body: String) {
        let t = renderer.strings(locale)
        let context: [String: Any] = ["brand": PageContext.brand(brand, locale: locale, renderer: renderer), "link": link,
                                      "email": email, "t": t, "lang": locale]
        guard let override else {
            let body = try renderer.render(kind.file, brand: brand.slug.value, context: context)
            return ((t[kind.subjectKey] ?? kind.subjectKey).replacingOccurrences(of: "{{brand}}", with: brand.name), body)
        }
        // Mail is plain text: nothing is HTML-escaped, as in the default files' CONTENT_TYPE pragma.
        let subject = try MustacheTemplate(string: Self.textPragma + override.subject).render(context)
        let body = try MustacheTemplate(string: Self.textPragma + override.body).render(context)
        return (subject.trimmingCharacters(in: .whitespacesAndNewlines), body)
    }

    static let textPragma = "{{% CONTENT_TYPE: TEXT}}"

    /// The default subject and body of `kind` for `brand` as editable text (what an override starts from).
    func defaults(_ kind: EmailTemplateKind, brand: TenantConfig, locale: String) -> (subject: String, body: String) {
        let t = renderer.strings(locale)
        let subject = (t[kind.subjectKey] ?? kind.subjectKey).replacingOccurrences(of: "{{brand}}", with: "{{brand.name}}")
        var body = renderer.source(kind.file, brand: brand.slug.value) ?? ""
        if body.hasPrefix(Self.textPragma) { body = String(body.dropFirst(Self.textPragma.count).drop { $0 == "\n" }) }
        return (subject, body)
    }
}

extension Renderer {
    /// The text of `template` for `brand`: the brand's file when it has one, the default otherwise.
    func source(_ template: String, brand: String?) -> String? {
        if let brand, let text = try? String(contentsOfFile: "\(root)/brands/\(brand)/\(template).mustache", encoding: .utf8) { return text }
        return defaults[template]
    }
}
