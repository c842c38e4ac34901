import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation
import PostgresNIO
import Testing

/// Staff and roles in real headless Chromium: an Aurora admin builds a custom role in the matrix
/// editor and invites a member with it, whose limits hold; on a brand that requires TOTP for
/// staff, a first sign-in is forced through enrolment. Screenshots go to `.atrium/screenshots/staff-*`.
@Suite("Staff and roles in a real browser", .serialized, .timeLimit(.minutes(3)))
struct StaffBrowserTests {
    static let shots = TestCluster.repoRoot + "/.atrium/screenshots"

    @Test("a custom role is created and assigned and its limits hold; a first sign-in on a strict brand enrols TOTP")
    func staffAndRoles() async throws {
        try await TestEnv.with("staffbrowser") { s in
            try await TestEnv.applyBrands(["aurora"], to: s)
            let aurora = try #require(try await s.registry.tenant(slug: "aurora"))
            let strict = try await s.makeTenant("strict", staffTwoFactor: "required")
            try await withLiveServer(s) { port in
                try await ChromeDriver.withBrowser(width: 1280, height: 1000) { b in
                    try await Self.customRole(b, s: s, aurora: aurora, port: port)
                    try await b.deleteCookies()
                    try await Self.forcedEnrolment(b, strict: strict, port: port)
                }
            }
        }
    }

    static func shot(_ b: BrowserSession, _ name: String) async throws { _ = try await b.screenshot(to: "\(shots)/staff-\(name).png") }

    static func customRole(_ b: BrowserSession, s: AppServices, aurora: TenantRecord, port: Int) async throws {
        func url(_ path: String) -> String { "http://aurora.localhost:\(port)\(path)" }
        try await b.open(url("/admin"))
        try await b.fill(["email": "admin@aurora.test", "password": "admin-demo-pass"], in: "#login-form")
        try await b.submit("#login-form")
        _ = try await b.waitFor(css: "a[href='/admin/staff']", timeout: .seconds(20))
        // the matrix editor: a role for first-line KYC
        try await b.open(url("/admin/roles"))
        _ = try await b.waitFor(css: "table#role-matrix", timeout: .seconds(20))
        try await shot(b, "01-roles-matrix")
        try await b.fill(["name": "KYC desk", "description": "First-line KYC review", "perm_kyc_review": "on", "perm_audit_view": "on"], in: "#role-create")
        try await b.submit("#role-create")
        _ = try await b.waitFor(css: "#role-edit", timeout: .seconds(20))
        #expect(try await b.pageSource().contains("KYC desk"))
        try await shot(b, "02-role-created")
        // invite a member with it
        let roleID = try await s.tenantDB.transaction(aurora.handle) { tx in
            try #require(try await tx.query("SELECT id FROM roles WHERE name = 'KYC desk'").collect().first?.decode(UUID.self))
        }.uuidString.lowercased()
        try await b.open(url("/admin/staff"))
        try await b.fill(["email": "desk@aurora.test", "name": "Dana Desk", "role_\(roleID)": "on"], in: "#staff-invite")
        try await b.submit("#staff-invite")
        _ = try await b.waitFor(css: "tr[data-email='desk@aurora.test']", timeout: .seconds(20))
        try await shot(b, "03-staff-invited")
        // the member accepts the mailed invitation
        let mail = try await s.tenantDB.transaction(aurora.handle) { tx in
            try #require(try await tx.query("SELECT body FROM outbox WHERE to_address = 'desk@aurora.test'").collect().first?.decode(String.self))
        }
        let link = String(mail[try #require(mail.range(of: #"/admin/invite/[A-Za-z0-9_-]+"#, options: .regularExpression))])
        try await b.deleteCookies()
        try await b.open(url(link))
        try await b.fill(["password": "desk-pass-1234", "password_confirm": "desk-pass-1234"], in: "#invite-form")
        try await b.submit("#invite-form")
        _ = try await b.waitFor(css: "#logout-form", timeout: .seconds(20))
        let dashboard = try await b.pageSource()
        #expect(dashboard.contains("KYC desk"))
        #expect(dashboard.contains(#"href="/admin/kyc""#))
        #expect(!dashboard.contains(#"href="/admin/payments/withdrawals""#))
        try await shot(b, "04-member-dashboard")
        // its limits hold
        try await b.open(url("/admin/kyc"))
        _ = try await b.waitFor(css: "main#main h1", timeout: .seconds(20))
        try await shot(b, "05-member-kyc")
        try await b.open(url("/admin/payments/withdrawals"))
        _ = try await b.waitFor(css: ".error-page", timeout: .seconds(20))
        #expect(try await b.pageSource().contains("403"))
        try await shot(b, "06-member-forbidden")
        try await b.open(url("/admin/roles"))
        _ = try await b.waitFor(css: ".error-page", timeout: .seconds(20))
        #expect(try await b.pageSource().contains("403"))
    }

    static func forcedEnrolment(_ b: BrowserSession, strict: TenantRecord, port: Int) async throws {
        let host = try #require(strict.config?.domains.first)
        let email = "admin@\(strict.handle.slug).test"
        func url(_ path: String) -> String { "http://\(host):\(port)\(path)" }
        try await b.open(url("/admin"))
        try await b.fill(["email": email, "password": "admin-test-pass"], in: "#login-form")
        try await b.submit("#login-form")
        _ = try await b.waitFor(css: "#forced-enrolment", timeout: .seconds(20))
        #expect(try await b.currentURL().hasSuffix("/admin/security/two-factor"))
        try await shot(b, "07-forced-enrolment")
        // any other page leads back here
        try await b.open(url("/admin/audit"))
        _ = try await b.waitFor(css: "#forced-enrolment", timeout: .seconds(20))
        let secret = try #require(Base32.decode(try await b.find("#totp-secret").text()))
        let now = Date()
        try await b.fill(["code": try #require(TOTP.code(secret: secret, time: now))], in: "#totp-enable-form")
        try await b.submit("#totp-enable-form")
        _ = try await b.waitFor(css: "#recovery-codes", timeout: .seconds(20))
        #expect(try await b.findAll("code.recovery-code").count == 10)
        try await shot(b, "08-recovery-codes")
        try await b.find("#continue-admin").click()
        _ = try await b.waitFor(css: "a[href='/admin/staff']", timeout: .seconds(20))
        try await b.open(url("/admin/security/sessions"))
        _ = try await b.waitFor(css: "tr[data-current='yes']", timeout: .seconds(20))
        try await shot(b, "09-sessions")
        // the next sign-in asks for a code
        try await b.deleteCookies()
        try await b.open(url("/admin"))
        try await b.fill(["email": email, "password": "admin-test-pass"], in: "#login-form")
        try await b.submit("#login-form")
        _ = try await b.waitFor(css: "#login-2fa-form", timeout: .seconds(20))
        try await shot(b, "10-second-step")
        try await b.fill(["code": try #require(TOTP.code(secret: secret, time: now.addingTimeInterval(30)))], in: "#login-2fa-form")
        try await b.submit("#login-2fa-form")
        _ = try await b.waitFor(css: "a[href='/admin/staff']", timeout: .seconds(20))
        try await b.open(url("/admin/staff"))
        _ = try await b.waitFor(css: "table#staff", timeout: .seconds(20))
        #expect(try await b.pageSource().contains(#"data-two-factor="on""#))
        try await shot(b, "11-staff-list")
    }
}
