import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

/// Forced TOTP for staff on a brand with `security.staff_two_factor: required`: a member without
/// TOTP reaches only the enrolment page until they enrol; later sign-ins ask for a code; an
/// administrator's reset sends them through enrolment again.
@Suite("Staff two-factor", .timeLimit(.minutes(3)))
struct StaffTwoFactorTests {
    static let enrolment = "/admin/security/two-factor"

    /// Reads the secret off the enrolment page.
    static func secret(_ html: String) throws -> [UInt8] {
        let r = try #require(html.range(of: #"<code id="totp-secret">[A-Z2-7]+</code>"#, options: .regularExpression))
        let text = String(html[r]).replacingOccurrences(of: #"<code id="totp-secret">"#, with: "").replacingOccurrences(of: "</code>", with: "")
        return try #require(Base32.decode(text))
    }

    /// The recovery codes shown once after enrolment.
    static func recoveryCodes(_ html: String) -> [String] {
        var out: [String] = []
        var rest = html[...]
        while let r = rest.range(of: #"<code class="recovery-code">[a-z0-9-]+</code>"#, options: .regularExpression) {
            out.append(String(rest[r]).replacingOccurrences(of: #"<code class="recovery-code">"#, with: "").replacingOccurrences(of: "</code>", with: ""))
            rest = rest[r.upperBound...]
        }
        return out
    }

    /// Enrols the signed-in `web` through the pages; returns the secret and the recovery codes.
    static func enrol(_ web: FormClient, at time: Date = Date()) async throws -> (secret: [UInt8], recovery: [String]) {
        let page = try await web.get(enrolment)
        #expect(page.status == .ok)
        let secret = try secret(page.body)
        let done = try await web.post(enrolment + "/enable", ["code": try #require(TOTP.code(secret: secret, time: time))], csrfFrom: enrolment)
        #expect(done.status == .ok)
        return (secret, recoveryCodes(done.body))
    }

    /// Password, then the second step with `code`; returns the second step's answer.
    static func signIn(_ web: FormClient, _ email: String, code: String) async throws -> (status: HTTPResponse.Status, body: String, headers: HTTPFields) {
        let first = try await web.post("/admin/login", ["email": email, "password": StaffFixture.staffPassword], csrfFrom: "/admin")
        #expect(first.status == .seeOther)
        #expect(first.headers[.location] == "/login/2fa")
        return try await web.post("/login/2fa", ["code": code], csrfFrom: "/login/2fa")
    }

    @Test("forced enrolment: every Back Office page leads to enrolment until TOTP is on; the next sign-in asks for a code")
    func forcedEnrolment() async throws {
        try await StaffFixture.with { f, client in
            // setup
            let email = StaffFixture.email("new", f.strict)
            _ = try await f.member(f.strict, email, roles: [.superAdmin])
            let web = try await StaffFixture.signIn(client, f.strict, email)
            // MUT / validate: only the enrolment page
            for path in ["/admin", "/admin/audit", "/admin/staff", "/admin/roles", "/admin/security/sessions", "/admin/kyc"] {
                let r = try await web.get(path)
                #expect(r.status == .seeOther, "GET \(path)")
                #expect(r.headers[.location] == Self.enrolment, "GET \(path)")
            }
            let blocked = try await web.post("/admin/roles", ["name": "Sneaky", "perm_audit_view": "on"], csrfFrom: Self.enrolment)
            #expect(blocked.headers[.location] == Self.enrolment)
            #expect(try await f.count(f.strict, "SELECT count(*)::int FROM roles WHERE name = 'Sneaky'") == 0)
            let page = try await web.get(Self.enrolment)
            #expect(page.body.contains(#"id="forced-enrolment""#))
            #expect(page.body.contains("otpauth://totp/"))
            #expect(!page.body.contains(#"href="/admin/audit""#))
            // a wrong code is refused on `code`
            let wrong = try await web.post(Self.enrolment + "/enable", ["code": "000000"], csrfFrom: Self.enrolment)
            #expect(wrong.status == .unprocessableContent)
            #expect(StaffFixture.refusedField(wrong.body) == "code")
            let now = Date()
            let (secret, recovery) = try await Self.enrol(web, at: now)
            #expect(recovery.count == 10)
            #expect(try await web.get("/admin").status == .ok)
            #expect(try await web.get("/admin/audit").status == .ok)
            #expect(try await web.get(Self.enrolment).body.contains(#"data-enabled="yes""#))
            #expect(try await f.count(f.strict, "SELECT count(*)::int FROM audit_log WHERE action = 'staff.totp_enabled' AND subject LIKE 'staff:%'") >= 1)
            // the next sign-in asks for a code (the next time step: the enrolment code is spent)
            let again = FormClient(client, host: web.host)
            let second = try await Self.signIn(again, email, code: try #require(TOTP.code(secret: secret, time: now.addingTimeInterval(30))))
            #expect(second.status == .seeOther)
            #expect(second.headers[.location] == "/admin")
            #expect(try await again.get("/admin/audit").status == .ok)
        }
    }

    @Test("an administrator resets a member's second factor: audited, the member is signed out and enrols again")
    func adminReset() async throws {
        try await StaffFixture.with { f, client in
            // setup: an enrolled administrator and an enrolled member
            let adminEmail = StaffFixture.email("admin", f.strict)
            _ = try await f.member(f.strict, adminEmail, roles: [.superAdmin])
            let admin = try await StaffFixture.signIn(client, f.strict, adminEmail)
            _ = try await Self.enrol(admin)
            let memberEmail = StaffFixture.email("member", f.strict)
            let member = try await f.member(f.strict, memberEmail, roles: [.compliance])
            let web = try await StaffFixture.signIn(client, f.strict, memberEmail)
            _ = try await Self.enrol(web)
            #expect(try await web.get("/admin/kyc").status == .ok)
            let id = member.uuidString.lowercased()
            #expect(try await admin.get("/admin/staff").body.contains(#"data-two-factor="on""#))
            // MUT
            let reset = try await admin.post("/admin/staff/\(id)/two-factor/reset", [:], csrfFrom: "/admin/staff/\(id)")
            // validate
            #expect(reset.status == .seeOther)
            #expect(try await web.get("/admin/kyc").headers[.location] == "/admin")
            #expect(try await f.count(f.strict, "SELECT count(*)::int FROM users WHERE id = '\(id)' AND totp_secret IS NULL AND totp_enabled_at IS NULL") == 1)
            #expect(try await f.count(f.strict, "SELECT count(*)::int FROM recovery_codes WHERE user_id = '\(id)'") == 0)
            #expect(try await f.count(f.strict, """
                SELECT count(*)::int FROM audit_log WHERE action = 'staff.two_factor_reset' AND subject = 'staff:\(id)'
                  AND before::text LIKE '%true%' AND after::text LIKE '%false%'
                """) == 1)
            // the next sign-in is a password only, straight to enrolment
            let next = FormClient(client, host: web.host)
            let login = try await next.post("/admin/login", ["email": memberEmail, "password": StaffFixture.staffPassword], csrfFrom: "/admin")
            #expect(login.headers[.location] == "/admin")
            #expect(try await next.get("/admin/kyc").headers[.location] == Self.enrolment)
            _ = try await Self.enrol(next)
            #expect(try await next.get("/admin/kyc").status == .ok)
        }
    }

    @Test("a recovery code signs in once")
    func recoveryOnce() async throws {
        try await StaffFixture.with { f, client in
            // setup
            let email = StaffFixture.email("lost", f.strict)
            _ = try await f.member(f.strict, email, roles: [.support])
            let web = try await StaffFixture.signIn(client, f.strict, email)
            let (_, recovery) = try await Self.enrol(web)
            let code = try #require(recovery.first)
            // MUT / validate
            let first = try await Self.signIn(FormClient(client, host: web.host), email, code: code)
            #expect(first.status == .seeOther)
            #expect(first.headers[.location] == "/admin")
            let reuse = FormClient(client, host: web.host)
            let second = try await Self.signIn(reuse, email, code: code)
            #expect(second.status == .unauthorized)
            #expect(reuse.cookies["atrium_staff"] == nil)
            #expect(try await reuse.get("/admin/security/sessions").headers[.location] == "/admin")
            #expect(try await f.count(f.strict, """
                SELECT count(*)::int FROM recovery_codes r JOIN users u ON u.id = r.user_id WHERE u.email = '\(email)' AND r.used_at IS NULL
                """) == 9)
        }
    }
}
