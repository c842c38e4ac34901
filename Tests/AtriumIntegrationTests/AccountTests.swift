import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

@Suite("Trader accounts: verification, password reset, sessions", .timeLimit(.minutes(3)))
struct AccountTests {
    /// The newest email queued for `to`, and the token of the link in it.
    static func lastMail(_ s: AppServices, _ tenant: TenantHandle, to: String, path: String) async throws -> (subject: String, token: String)? {
        let row = try await s.tenantDB.transaction(tenant) { tx in
            try await tx.query("SELECT subject, body FROM outbox WHERE to_address = \(to) ORDER BY created_at DESC LIMIT 1").collect().first?
                .decode((String, String).self)
        }
        guard let (subject, body) = row, let range = body.range(of: "\(path)/") else { return nil }
        let token = body[range.upperBound...].prefix { !$0.isWhitespace }
        return (subject, String(token))
    }

    @Test("registration mails a single-use verification link from the brand's template")
    func verification() async throws {
        try await TestEnv.with("verify") { s in
            _ = try await PortalTests.applyDemoBrands(s)
            let aurora = try #require(try await s.registry.tenant(slug: "aurora")).handle
            let app = buildApplication(services: s)
            try await app.test(.router) { client in
                let web = FormClient(client, host: "aurora.localhost")
                try await WalletRouteTests.register(web, email: "ver@aurora.test")
                #expect(try await web.get("/").body.contains(#"id="verify-banner""#))
                let (subject, first) = try #require(try await Self.lastMail(s, aurora, to: "ver@aurora.test", path: "/verify"))
                #expect(subject == "Confirm your email address for Aurora Markets")
                // asking again mails a new link and retires the first one
                let resent = try await web.post("/verify/resend", [:], csrfFrom: "/")
                #expect(resent.headers[.location] == "/?sent=verification")
                let (_, token) = try #require(try await Self.lastMail(s, aurora, to: "ver@aurora.test", path: "/verify"))
                #expect(token != first)
                #expect(try await web.get("/verify/\(first)").status == .gone)
                let done = try await web.get("/verify/\(token)")
                #expect(done.status == .ok)
                #expect(done.body.contains("your email address is confirmed"))
                #expect(!(try await web.get("/").body.contains(#"id="verify-banner""#)))
                let again = try await web.get("/verify/\(token)")
                #expect(again.status == .gone)
                #expect(again.body.contains("invalid, was already used, or has expired"))
                #expect(try await web.get("/verify/not-a-token").status == .gone)
                let audited = try await s.tenantDB.transaction(aurora) { tx in
                    try await tx.query("SELECT count(*)::int FROM audit_log WHERE action = 'trader.email_verified'").collect().first?.decode(Int.self)
                }
                #expect(audited == 1)
                // Kite's host knows nothing of Aurora's tokens
                _ = try await web.post("/verify/resend", [:], csrfFrom: "/")   // verified: nothing is sent
                let (_, latest) = try #require(try await Self.lastMail(s, aurora, to: "ver@aurora.test", path: "/verify"))
                #expect(latest == token)
                try await s.tenantDB.transaction(aurora) { tx in try await tx.query("UPDATE users SET email_verified_at = NULL") }
                _ = try await web.post("/verify/resend", [:], csrfFrom: "/")
                let (_, fresh) = try #require(try await Self.lastMail(s, aurora, to: "ver@aurora.test", path: "/verify"))
                #expect(try await FormClient(client, host: "kite.localhost").get("/verify/\(fresh)").status == .gone)
                #expect(try await web.get("/verify/\(fresh)").status == .ok)
            }
        }
    }

    @Test("password reset: neutral answer, single use, expiry, bad input, and every session ends")
    func passwordReset() async throws {
        try await TestEnv.with("reset") { s in
            _ = try await PortalTests.applyDemoBrands(s)
            let aurora = try #require(try await s.registry.tenant(slug: "aurora")).handle
            let app = buildApplication(services: s)
            try await app.test(.router) { client in
                let web = FormClient(client, host: "aurora.localhost")
                try await WalletRouteTests.register(web, email: "pw@aurora.test")
                let otherDevice = FormClient(client, host: "aurora.localhost")
                #expect(try await otherDevice.post("/login", ["email": "pw@aurora.test", "password": "long-enough-pass"], csrfFrom: "/login").status == .seeOther)

                let anon = FormClient(client, host: "aurora.localhost")
                let unknown = try await anon.post("/password/forgot", ["email": "nobody@aurora.test"], csrfFrom: "/password/forgot")
                let known = try await anon.post("/password/forgot", ["email": "pw@aurora.test"], csrfFrom: "/password/forgot")
                #expect(unknown.status == .ok && known.status == .ok)
                #expect(unknown.body.contains("If an account exists for that address"))
                #expect(known.body.contains("If an account exists for that address"))
                #expect(try await Self.lastMail(s, aurora, to: "nobody@aurora.test", path: "/password/reset") == nil)
                let (subject, token) = try #require(try await Self.lastMail(s, aurora, to: "pw@aurora.test", path: "/password/reset"))
                #expect(subject == "Choose a new password for Aurora Markets")
                #expect(try await anon.post("/password/forgot", ["email": "x"], csrf: false).status == .forbidden)
                #expect(try await anon.post("/password/forgot", ["email": "not-an-email"], csrfFrom: "/password/forgot").status == .badRequest)

                let form = try await anon.get("/password/reset/\(token)")
                #expect(form.status == .ok)
                #expect(form.body.contains("pw@aurora.test"))
                let differ = try await anon.post("/password/reset/\(token)", ["password": "new-password-123", "password_confirm": "new-password-124"])
                #expect(differ.status == .badRequest)
                let short = try await anon.post("/password/reset/\(token)", ["password": "short", "password_confirm": "short"])
                #expect(short.status == .badRequest)
                let ok = try await anon.post("/password/reset/\(token)", ["password": "new-password-123", "password_confirm": "new-password-123"])
                #expect(ok.status == .ok)
                #expect(ok.body.contains("every session was signed out"))
                #expect(try await anon.get("/password/reset/\(token)").status == .gone)
                // both earlier sessions are gone
                #expect(!(try await web.get("/").body.contains(#"id="logout-form""#)))
                #expect(!(try await otherDevice.get("/").body.contains(#"id="logout-form""#)))
                let old = FormClient(client, host: "aurora.localhost")
                #expect(try await old.post("/login", ["email": "pw@aurora.test", "password": "long-enough-pass"], csrfFrom: "/login").status != .seeOther)
                let new = FormClient(client, host: "aurora.localhost")
                #expect(try await new.post("/login", ["email": "pw@aurora.test", "password": "new-password-123"], csrfFrom: "/login").status == .seeOther)

                // an expired link is refused
                _ = try await anon.post("/password/forgot", ["email": "pw@aurora.test"], csrfFrom: "/password/forgot")
                let (_, late) = try #require(try await Self.lastMail(s, aurora, to: "pw@aurora.test", path: "/password/reset"))
                try await s.tenantDB.transaction(aurora) { tx in try await tx.query("UPDATE email_tokens SET expires_at = now() - interval '1 second' WHERE used_at IS NULL") }
                #expect(try await anon.get("/password/reset/\(late)").status == .gone)
                #expect(try await anon.post("/password/reset/\(late)", ["password": "another-pass-123", "password_confirm": "another-pass-123"],
                                            csrfFrom: "/password/forgot").status == .gone)
            }
        }
    }

    @Test("sign out on all devices ends every session of the trader")
    func logoutEverywhere() async throws {
        try await TestEnv.with("logoutall") { s in
            _ = try await PortalTests.applyDemoBrands(s)
            let app = buildApplication(services: s)
            try await app.test(.router) { client in
                let laptop = FormClient(client, host: "aurora.localhost")
                try await WalletRouteTests.register(laptop, email: "two@aurora.test")
                let phone = FormClient(client, host: "aurora.localhost")
                _ = try await phone.post("/login", ["email": "two@aurora.test", "password": "long-enough-pass"], csrfFrom: "/login")
                #expect(try await phone.get("/").body.contains(#"id="logout-all-form""#))
                let out = try await laptop.post("/logout/all", [:], csrfFrom: "/")
                #expect(out.status == .seeOther)
                #expect(!(try await phone.get("/").body.contains(#"id="logout-form""#)))
                #expect(!(try await laptop.get("/").body.contains(#"id="logout-form""#)))
            }
        }
    }

    @Test("an IB referral link is remembered through registration and email verification; invalid codes are ignored")
    func referral() async throws {
        try await TestEnv.with("referral") { s in
            _ = try await PortalTests.applyDemoBrands(s)
            let aurora = try #require(try await s.registry.tenant(slug: "aurora")).handle
            let app = buildApplication(services: s)
            try await app.test(.router) { client in
                let web = FormClient(client, host: "aurora.localhost")
                let link = try await web.get("/r/IB-1042")
                #expect(link.status == .seeOther)
                #expect(link.headers[.location] == "/register")
                try await WalletRouteTests.register(web, email: "ref@aurora.test")
                let (_, token) = try #require(try await Self.lastMail(s, aurora, to: "ref@aurora.test", path: "/verify"))
                #expect(try await web.get("/verify/\(token)").status == .ok)
                let other = FormClient(client, host: "aurora.localhost")
                _ = try await other.get("/?ref=<script>")
                _ = try await other.get("/r/%3Cscript%3E")
                try await WalletRouteTests.register(other, email: "noref@aurora.test")
                let third = FormClient(client, host: "aurora.localhost")
                _ = try await third.get("/register?ref=PARTNER_7")
                try await WalletRouteTests.register(third, email: "query@aurora.test")
                let codes = try await s.tenantDB.transaction(aurora) { tx in
                    try await tx.query("SELECT email, coalesce(referral_code, '-') FROM users WHERE audience = 'trader' ORDER BY email").collect()
                        .map { try $0.decode((String, String).self) }
                }
                #expect(codes.map { "\($0.0)=\($0.1)" } == ["noref@aurora.test=-", "query@aurora.test=PARTNER_7", "ref@aurora.test=IB-1042"])
            }
        }
    }

    @Test("registration asks for the fields the client's country requires; the language choice follows the account")
    func countryFieldsAndLanguage() async throws {
        try await TestEnv.with("regfields") { s in
            _ = try await PortalTests.applyDemoBrands(s)
            let kite = try #require(try await s.registry.tenant(slug: "kite")).handle
            let app = buildApplication(services: s)
            try await app.test(.router) { client in
                let web = FormClient(client, host: "kite.localhost")
                let base = ["name": "Ana", "email": "ana@kite.test", "password": "long-enough-pass", "country": "ES", "accept_terms": "yes"]
                let noTax = try await web.post("/register", base.merging(["phone": "+34600123456"]) { _, n in n })
                #expect(noTax.status == .badRequest)
                #expect(noTax.body.contains("obligatorio para clientes de su país"))   // Kite answers in Spanish
                let badPhone = try await web.post("/register", base.merging(["phone": "600", "tax_id": "12345678Z"]) { _, n in n })
                #expect(badPhone.status == .badRequest)
                #expect(badPhone.body.contains("+34600123456"))
                // France has no extra fields on Kite
                let fr = FormClient(client, host: "kite.localhost")
                #expect(try await fr.post("/register", ["name": "Luc", "email": "luc@kite.test", "password": "long-enough-pass", "country": "FR", "accept_terms": "yes"]).status == .seeOther)
                #expect(try await Self.count(s, kite, "SELECT count(*)::int FROM users WHERE email = 'ana@kite.test'") == 0)
                let ok = try await web.post("/register", base.merging(["phone": "+34 600-123-456", "tax_id": "12345678Z"]) { _, n in n })
                #expect(ok.status == .seeOther)
                #expect(try await Self.count(s, kite, "SELECT count(*)::int FROM users WHERE phone = '+34600123456' AND tax_id = '12345678Z'") == 1)

                // Ana switches to English; on a new browser her home page comes in English too
                _ = try await web.get("/?lang=en")
                let laptop = FormClient(client, host: "kite.localhost")
                _ = try await laptop.post("/login", ["email": "ana@kite.test", "password": "long-enough-pass"], csrfFrom: "/login")
                let home = try await laptop.get("/")
                #expect(home.status == .seeOther)
                #expect(home.headers[.location] == "/?lang=en")
                #expect(try await laptop.get("/?lang=en").body.contains(#"lang="en""#))
            }
        }
    }

    static func count(_ s: AppServices, _ t: TenantHandle, _ sql: String) async throws -> Int {
        try await s.tenantDB.transaction(t) { tx in try await tx.query(PostgresQuery(unsafeSQL: sql)).collect().first?.decode(Int.self) ?? -1 }
    }
}
