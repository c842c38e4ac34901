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

@Suite("Two-factor sign-in", .timeLimit(.minutes(3)))
struct TwoFactorTests {
    static func capture(_ pattern: String, in html: String) -> String? {
        guard let r = html.range(of: pattern, options: .regularExpression) else { return nil }
        let match = String(html[r])
        guard let open = match.firstIndex(of: ">"), let close = match.lastIndex(of: "<") else { return nil }
        return String(match[match.index(after: open)..<close])
    }

    static func login(_ web: FormClient, email: String, password: String = "long-enough-pass") async throws -> HTTPResponse.Status {
        try await web.post("/login", ["email": email, "password": password], csrfFrom: "/login").status
    }

    @Test("enroll with the QR code, then sign in with a code; codes and recovery codes work once; five wrong codes end the attempt")
    func enrollAndSignIn() async throws {
        try await TestEnv.with("totp") { s in
            _ = try await PortalTests.applyDemoBrands(s)
            let aurora = try #require(try await s.registry.tenant(slug: "aurora"))
            let kite = try #require(try await s.registry.tenant(slug: "kite"))
            let app = buildApplication(services: s)
            try await app.test(.router) { client in
                let web = FormClient(client, host: "aurora.localhost")
                try await WalletRouteTests.register(web, email: "two@aurora.test")
                #expect(try await web.get("/security").body.contains(#"data-enabled="no""#))
                let setup = try await web.post("/security/totp/setup", [:], csrfFrom: "/security")
                #expect(setup.status == .ok)
                #expect(setup.body.contains("<svg"))
                #expect(setup.body.contains("otpauth://totp/Aurora%20Markets:two@aurora.test?secret="))
                let secretText = try #require(Self.capture(#"<code id="totp-secret">[A-Z2-7]+</code>"#, in: setup.body))
                let secret = try #require(Base32.decode(secretText))
                #expect(secret.count == 27)

                let wrong = try await web.post("/security/totp/enable", ["code": "000000"], csrfFrom: "/security")
                #expect(wrong.status == .unprocessableContent)
                #expect(wrong.body.contains("not correct"))
                let now = Date()
                let enabled = try await web.post("/security/totp/enable", ["code": try #require(TOTP.code(secret: secret, time: now))], csrfFrom: "/security")
                #expect(enabled.status == .ok)
                let recovery = enabled.body.components(separatedBy: #"<code class="recovery-code">"#).dropFirst().map { String($0.prefix(11)) }
                #expect(recovery.count == 10)
                #expect(try await web.get("/security").body.contains(#"data-enabled="yes""#))

                // stored sealed: not the secret, and Kite's key cannot open it
                let userID = try await s.tenantDB.transaction(aurora.handle) { tx in try #require(try await Users.find(audience: .trader, email: "two@aurora.test", in: tx)) }
                let stored = try await s.tenantDB.transaction(aurora.handle) { tx in
                    try await tx.query("SELECT totp_secret FROM users WHERE id = \(userID)").collect().first!.decode(ByteBuffer.self)
                }
                #expect(Array(buffer: stored) != secret)
                await #expect(throws: (any Error).self) {
                    _ = try await s.tenantDB.transaction(aurora.handle) { tx in try await TwoFactor.state(user: userID, key: s.keys.totp(tenant: kite.handle.id), in: tx) }
                }

                // password alone no longer signs in
                let phone = FormClient(client, host: "aurora.localhost")
                #expect(try await Self.login(phone, email: "two@aurora.test") == .seeOther)
                #expect(phone.cookies[SecurityRoutesCookie.name] != nil)
                #expect(phone.cookies["atrium_trader"] == nil)
                #expect(!(try await phone.get("/").body.contains(#"id="logout-form""#)))
                // the code used for enrollment is spent; the next step's code works
                let reused = try await phone.post("/login/2fa", ["code": try #require(TOTP.code(secret: secret, time: now))], csrfFrom: "/login/2fa")
                #expect(reused.status == .unauthorized)
                #expect(reused.body.contains("already used"))
                let next = try await phone.post("/login/2fa", ["code": try #require(TOTP.code(secret: secret, time: now.addingTimeInterval(30)))], csrfFrom: "/login/2fa")
                #expect(next.status == .seeOther)
                #expect(next.headers[.location] == "/")
                #expect(try await phone.get("/").body.contains(#"id="logout-form""#))

                // a recovery code signs in once
                let laptop = FormClient(client, host: "aurora.localhost")
                _ = try await Self.login(laptop, email: "two@aurora.test")
                #expect(try await laptop.post("/login/2fa", ["code": recovery[0]], csrfFrom: "/login/2fa").status == .seeOther)
                let again = FormClient(client, host: "aurora.localhost")
                _ = try await Self.login(again, email: "two@aurora.test")
                #expect(try await again.post("/login/2fa", ["code": recovery[0]], csrfFrom: "/login/2fa").status == .unauthorized)

                // five wrong codes end the attempt, even before a right one
                for _ in 0..<4 { _ = try await again.post("/login/2fa", ["code": "123456"], csrfFrom: "/login/2fa") }
                let expired = try await again.post("/login/2fa", ["code": recovery[1]], csrfFrom: "/login/2fa")
                #expect(expired.status == .gone)
                #expect(expired.body.contains("Please sign in again"))
                let audit = try await s.tenantDB.transaction(aurora.handle) { tx in
                    try await tx.query("SELECT count(*)::int FROM audit_log WHERE action = 'login.second_factor_failed'").collect().first!.decode(Int.self)
                }
                #expect(audit == 6)

                // turning it off needs a code; afterwards the password is enough again
                #expect(try await phone.post("/security/totp/disable", ["code": "999999"], csrfFrom: "/security").status == .unprocessableContent)
                #expect(try await phone.post("/security/totp/disable", ["code": recovery[2]], csrfFrom: "/security").status == .ok)
                let plain = FormClient(client, host: "aurora.localhost")
                _ = try await Self.login(plain, email: "two@aurora.test")
                #expect(plain.cookies["atrium_trader"] != nil)
            }
        }
    }
}

enum SecurityRoutesCookie {
    static let name = "atrium_2fa"
}
