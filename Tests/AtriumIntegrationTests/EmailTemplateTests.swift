import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import AtriumWork
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

@Suite("Branded email templates: permissions, validation, preview, override and fallback", .serialized, .timeLimit(.minutes(3)))
struct EmailTemplateTests {
    struct Shared: Sendable {
        let s: AppServices
        let aurora: TenantRecord
    }

    static let roles: [(BuiltinRole, String)] = [(.compliance, "compliance"), (.finance, "finance"), (.sales, "sales"), (.support, "support")]

    static let shared = Task { () throws -> Shared in
        let s = try await TestEnv.started("emailtemplates")
        try await TestEnv.applyBrands(["aurora"], to: s)
        for (role, name) in roles {
            try await DemoSeed.upsertStaff(slug: "aurora", email: "\(name)@aurora.test", role: role, password: "\(name)-pass-1234", services: s)
        }
        guard let aurora = try await s.registry.tenant(slug: "aurora") else { throw SharedFixtureError.serverDidNotStart }
        return Shared(s: s, aurora: aurora)
    }

    static func signedIn(_ email: String = "admin@aurora.test", password: String = "admin-demo-pass",
                         _ body: @Sendable (FormClient, Shared, any TestClientProtocol) async throws -> Void) async throws {
        let f = try await shared.value
        try await buildApplication(services: f.s).test(.router) { client in
            let web = FormClient(client, host: "aurora.localhost")
            let login = try await web.post("/admin/login", ["email": email, "password": password], csrfFrom: "/admin")
            #expect(login.status == .seeOther)
            try await body(web, f, client)
        }
    }

    static func count(_ f: Shared, _ sql: String) async throws -> Int {
        try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
            try await tx.query(PostgresQuery(unsafeSQL: sql)).collect().first?.decode(Int.self) ?? -1
        }
    }

    @Test("only brand.manage (Super Admin) opens the email templates; every other built-in role gets a 403 and cannot save")
    func permissions() async throws {
        try await Self.signedIn { web, _, _ in
            let list = try await web.get("/admin/settings/emails")
            #expect(list.status == .ok)
            // four templates × Aurora's locales, each linked
            #expect(list.body.contains("href=\"/admin/settings/emails/verify-email/en\""))
            #expect(list.body.contains("href=\"/admin/settings/emails/partner-invitation/en\""))
            #expect(try await web.get("/admin/settings/emails/password-reset/en").status == .ok)
            #expect(try await web.get("/admin/settings/emails/no-such-mail/en").status == .notFound)
            #expect(try await web.get("/admin/settings/emails/password-reset/zz").status == .notFound)
        }
        for (_, name) in Self.roles {
            try await Self.signedIn("\(name)@aurora.test", password: "\(name)-pass-1234") { web, f, _ in
                #expect(try await web.get("/admin/settings/emails").status == .forbidden, "\(name)")
                #expect(try await web.get("/admin/settings/emails/password-reset/en").status == .forbidden, "\(name)")
                let save = try await web.post("/admin/settings/emails/password-reset/en", ["subject": "x", "body": "y"], csrfFrom: "/admin")
                #expect(save.status == .forbidden, "\(name)")
                #expect(try await Self.count(f, "SELECT count(*)::int FROM email_templates") == 0)
            }
        }
    }

    @Test("an invalid template is a 422 naming the field and the unknown variable, and nothing is saved")
    func invalid() async throws {
        try await Self.signedIn { web, f, _ in
            let page = "/admin/settings/emails/verify-email/en"
            let cases: [([String: String], String, String)] = [
                (["subject": "Hi {{brand.name}}", "body": "Click {{link}} {{secret_token}} {{user.password}}"], "body", "unknown variable: secret_token, user.password"),
                (["subject": "Hi {{customer}}", "body": "Click {{link}}"], "subject", "unknown variable: customer"),
                (["subject": "Hi", "body": "{{#link}}unclosed"], "body", "not valid Mustache"),
                (["subject": "Hi", "body": "{{> partials/head}}"], "body", "partials, blocks and delimiter changes are not allowed"),
                (["subject": "Hi", "body": "{{=<% %>=}}<% link %>"], "body", "partials, blocks and delimiter changes are not allowed"),
                (["subject": "", "body": "Click {{link}}"], "subject", "required"),
                (["subject": "Hi", "body": "  "], "body", "required"),
            ]
            for (form, field, reason) in cases {
                let r = try await web.post(page, form, csrfFrom: page)
                #expect(r.status == .unprocessableContent, "\(form)")
                #expect(r.body.contains("data-field=\"\(field)\""), "\(form)")
                #expect(r.body.contains(reason), "\(form): \(reason)")
                let preview = try await web.post(page + "/preview", form, csrfFrom: page)
                #expect(preview.status == .unprocessableContent, "\(form)")
            }
            #expect(try await Self.count(f, "SELECT count(*)::int FROM email_templates") == 0)
            #expect(try await Self.count(f, "SELECT count(*)::int FROM audit_log WHERE action LIKE 'brand.email_template.%'") == 0)
        }
    }

    @Test("preview renders the unsaved text with sample values and saves nothing")
    func preview() async throws {
        try await Self.signedIn { web, f, _ in
            let page = "/admin/settings/emails/verify-email/en"
            let r = try await web.post(page + "/preview", ["subject": "Welcome to {{brand.name}}", "body": "Dear {{email}}: {{link}} {{t.email_verify_expiry}}"],
                                       csrfFrom: page)
            #expect(r.status == .ok)
            #expect(r.body.contains("<span id=\"preview-subject\">Welcome to Aurora Markets</span>"))
            #expect(r.body.contains("Dear client@example.com: http://aurora.localhost"))
            #expect(r.body.contains("/example-link"))
            #expect(try await Self.count(f, "SELECT count(*)::int FROM email_templates") == 0)
        }
    }

    @Test("a saved override is used in the mail actually sent (mail directory); reset falls back to the default; both audited")
    func overrideAndFallback() async throws {
        try await Self.signedIn { web, f, client in
            let page = "/admin/settings/emails/password-reset/en"
            let save = try await web.post(page, ["subject": "Reset at {{brand.name}} now",
                                                 "body": "Hello {{email}},\r\nyour link: {{link}}\r\n{{#brand.supportEmail}}help: {{brand.supportEmail}}{{/brand.supportEmail}}"],
                                          csrfFrom: page)
            #expect(save.status == .seeOther)
            #expect(try await Self.count(f, "SELECT count(*)::int FROM email_templates WHERE name = 'password-reset' AND locale = 'en' AND updated_by = 'admin@aurora.test'") == 1)
            let edit = try await web.get(page)
            #expect(edit.body.contains("data-source=\"override\""))

            let trader = FormClient(client, host: "aurora.localhost")
            let email = "tmpl-\(UUID().uuidString.prefix(6).lowercased())@aurora.test"
            try await WalletRouteTests.register(trader, email: email)
            let anon = FormClient(client, host: "aurora.localhost")
            #expect(try await anon.post("/password/forgot", ["email": email], csrfFrom: "/password/forgot").status == .ok)
            let mail = try await Self.deliveredMail(f, to: email, containing: "Subject: Reset at Aurora Markets now")
            #expect(mail.contains("Hello \(email),\r\nyour link: http://aurora.localhost"))
            #expect(mail.contains("/password/reset/"))

            // reset: the default applies again
            #expect(try await web.post(page + "/reset", [:], csrfFrom: page).status == .seeOther)
            #expect(try await Self.count(f, "SELECT count(*)::int FROM email_templates") == 0)
            #expect(try await anon.post("/password/forgot", ["email": email], csrfFrom: "/password/forgot").status == .ok)
            let fallback = try await Self.deliveredMail(f, to: email, containing: "Subject: Choose a new password for Aurora Markets")
            #expect(!fallback.contains("your link:"))
            #expect(try await Self.count(f, "SELECT count(*)::int FROM audit_log WHERE action = 'brand.email_template.saved' AND subject = 'email:password-reset/en'") == 1)
            #expect(try await Self.count(f, "SELECT count(*)::int FROM audit_log WHERE action = 'brand.email_template.reset' AND subject = 'email:password-reset/en'") == 1)
        }
    }

    /// Runs the job worker until the outbox is empty and returns the `.eml` written for `to` that contains `marker`.
    /// Another worker of the same database may have claimed the job and still be writing it, so the
    /// directory is read again for up to 15 s.
    static func deliveredMail(_ f: Shared, to: String, containing marker: String) async throws -> String {
        let worker = try #require(backgroundServices(f.s).compactMap { $0 as? JobWorker }.first)
        let dir = f.s.config.home + "/mail/aurora"
        let deadline = ContinuousClock.now + .seconds(15)
        repeat {
            while try await worker.runOnce() {}
            for file in ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted().reversed() {
                let text = try String(contentsOfFile: dir + "/" + file, encoding: .utf8)
                if text.contains("To: \(to)"), text.contains(marker) { return text }
            }
            try await Task.sleep(for: .milliseconds(200))
        } while ContinuousClock.now < deadline
        Issue.record("no mail to \(to) containing \(marker)")
        return ""
    }
}
