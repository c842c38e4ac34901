import AtriumCore
import AtriumHTTP
import AtriumTenancy
import Foundation
import Testing

@Suite("Email templates in a real browser", .serialized, .timeLimit(.minutes(3)))
struct EmailTemplateBrowserTests {
    static let shots = TestCluster.repoRoot + "/.atrium/screenshots"

    @Test("an admin edits the password-reset email, previews it, is refused an unknown variable, saves it and resets it")
    func editPreviewSave() async throws {
        try await TestEnv.with("emailbrowser") { s in
            try await TestEnv.applyBrands(["aurora"], to: s)
            try await withLiveServer(s) { port in
                try await ChromeDriver.withBrowser(width: 1280, height: 1100) { b in
                    func url(_ path: String) -> String { "http://aurora.localhost:\(port)\(path)" }
                    func shot(_ name: String) async throws { _ = try await b.screenshot(to: "\(EmailTemplateBrowserTests.shots)/\(name).png") }
                    try await b.open(url("/admin"))
                    try await b.fill(["email": "admin@aurora.test", "password": "admin-demo-pass"], in: "#login-form")
                    try await b.submit("#login-form")
                    _ = try await b.waitFor(css: "#logout-form", timeout: .seconds(20))

                    try await b.open(url("/admin/settings/emails"))
                    _ = try await b.waitFor(css: "#email-templates tr[data-template=password-reset][data-locale=en]")
                    try await shot("90-email-templates")
                    try await b.find("#email-templates tr[data-template=password-reset][data-locale=en] a").click()
                    _ = try await b.waitFor(css: "#email-template-form")
                    #expect(try await b.find("#email-subject").property("value") == "Choose a new password for {{brand.name}}")

                    // An unknown variable is refused, naming it.
                    try await b.fill(["subject": "Reset your {{brand.name}} password", "body": "Hi {{email}}, {{password}} {{link}}"], in: "#email-template-form")
                    try await b.find("#email-preview").click()
                    let problem = try await b.waitFor(css: "#email-problems li[data-field=body]", timeout: .seconds(10))
                    #expect(try await problem.text().contains("unknown variable: password"))
                    try await shot("91-email-template-refused")

                    // Preview with sample values, then save.
                    try await b.fill(["body": "Hi {{email}},\nchoose a new password here: {{link}}\n\n{{brand.name}}"], in: "#email-template-form")
                    try await b.find("#email-preview").click()
                    let preview = try await b.waitFor(css: "#email-preview-result", timeout: .seconds(10))
                    #expect(try await b.find("#preview-subject").text() == "Reset your Aurora Markets password")
                    #expect(try await preview.text().contains("Hi client@example.com,"))
                    try await shot("92-email-template-preview")
                    try await b.find("#email-save").click()
                    _ = try await b.waitFor(css: "#email-reset", timeout: .seconds(10))
                    #expect(try await b.pageSource().contains("data-source=\"override\""))
                    try await shot("93-email-template-saved")

                    try await b.open(url("/admin/settings/emails"))
                    _ = try await b.waitFor(css: "#email-templates tr[data-template=password-reset][data-locale=en] [data-source=override]")
                    try await shot("94-email-templates-overridden")
                }
            }
            let handle = try #require(try await s.registry.tenant(slug: "aurora")).handle
            let saved = try await s.tenantDB.transaction(handle) { tx in
                try await tx.query("SELECT subject FROM email_templates WHERE name = 'password-reset' AND locale = 'en'").collect().first?.decode(String.self)
            }
            #expect(saved == "Reset your {{brand.name}} password")
        }
    }
}
