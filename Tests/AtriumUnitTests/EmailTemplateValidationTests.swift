import AtriumBrandConfig
import Foundation
import Testing

@testable import AtriumHTTP

@Suite("Email template validation and rendering", .timeLimit(.minutes(3)))
struct EmailTemplateValidationTests {
    static func aurora() throws -> TenantConfig {
        let path = RepositoryPaths.root + "/tenants/aurora.yaml"
        return try TenantConfig.parse(yaml: String(contentsOfFile: path, encoding: .utf8), file: path)
    }

    @Test("every default template, in every locale, is itself a valid override (the editor's starting text saves as it is)")
    func defaultsValidate() throws {
        let renderer = try Renderer(root: RepositoryPaths.root + "/templates")
        let mail = BrandMail(renderer: renderer)
        for kind in EmailTemplateKind.allCases {
            for locale in ["en", "es", "ar"] {
                let d = mail.defaults(kind, brand: try Self.aurora(), locale: locale)
                #expect(!d.body.hasPrefix("{{%"), "\(kind) \(locale)")
                #expect(EmailTemplateValidation.problems(subject: d.subject, body: d.body, kind: kind, strings: renderer.strings(locale)).isEmpty,
                        "\(kind) \(locale)")
            }
        }
    }

    @Test("unknown variables are named once each, in order; partials, delimiters and transforms are refused; comments and triple braces pass")
    func variables() throws {
        let strings = ["email_greeting": "Hello"]
        func reason(_ body: String) -> String? {
            EmailTemplateValidation.problems(subject: "S", body: body, kind: .verifyEmail, strings: strings).first { $0.field == "body" }?.reason
        }
        #expect(reason("{{zeta}} {{link}} {{alpha}} {{zeta}}") == "unknown variable: zeta, alpha")
        #expect(reason("{{t.no_such_key}}") == "unknown variable: t.no_such_key")
        #expect(reason("{{uppercased(email)}}") == "unknown variable: uppercased(email)")
        #expect(reason("{{> email/verify-email}}")?.hasPrefix("partials, blocks and delimiter changes are not allowed") == true)
        #expect(reason("{{=| |=}}|link|")?.hasPrefix("partials, blocks and delimiter changes are not allowed") == true)
        #expect(reason("{{! a note }}{{{link}}} {{&email}} {{t.email_greeting}} {{#brand.supportEmail}}{{.}}{{/brand.supportEmail}}") == nil)
        #expect(reason("{{^brand.supportEmail}}none{{/brand.legalFooter}}")?.hasPrefix("not valid Mustache") == true)
        let long = EmailTemplateValidation.problems(subject: String(repeating: "x", count: 301), body: "b", kind: .verifyEmail, strings: strings)
        #expect(long == [EmailTemplateProblem(field: "subject", reason: "at most 300 characters")])
        let twoLines = EmailTemplateValidation.problems(subject: "a\nb", body: "b", kind: .verifyEmail, strings: strings)
        #expect(twoLines == [EmailTemplateProblem(field: "subject", reason: "a single line")])
    }

    @Test("an override renders as plain text: a link with & is not HTML-escaped, locale strings and brand values resolve")
    func renderOverride() throws {
        let renderer = try Renderer(root: RepositoryPaths.root + "/templates")
        let mail = try BrandMail(renderer: renderer).render(.passwordReset, brand: Self.aurora(), locale: "es", link: "https://x.test/r?a=1&b=<2>",
                                                            email: "o'neil@x.test", override: ("{{brand.name}}: {{t.email_greeting}}", "{{email}} {{link}}"))
        #expect(mail.subject == "Aurora Markets: " + (renderer.strings("es")["email_greeting"] ?? "?"))
        #expect(mail.body == "o'neil@x.test https://x.test/r?a=1&b=<2>")
    }
}
