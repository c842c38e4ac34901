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
    /// Aurora and Kite (whose key must not open Aurora's secrets), provisioned once for the suite;
    /// every case has its own trader, so the cases only read what is shared. `passwordHash` is
    /// "long-enough-pass" hashed once: an Argon2 hash per case would cost more than the cases.
    struct Fixture: Sendable {
        let s: AppServices
        let aurora: TenantRecord
        let kite: TenantRecord
        let passwordHash: String
    }

    static let shared = Task<Fixture, any Error> {
        let s = try await TestEnv.started("totp")
        try await TestEnv.applyBrands(["aurora", "kite"], to: s)
        guard let aurora = try await s.registry.tenant(slug: "aurora"), let kite = try await s.registry.tenant(slug: "kite") else {
            throw ProvisioningError.notFound("aurora or kite")
        }
        return Fixture(s: s, aurora: aurora, kite: kite, passwordHash: try await s.authenticator.hasher.hash("long-enough-pass"))
    }

    /// A trader of the case, enrolled with the code of `now`; the code is spent by enrolling.
    struct Enrolled {
        let id: UUID
        let email: String
        let secret: [UInt8]
        let recovery: [String]
        let now: Date
    }

    static func capture(_ pattern: String, in html: String) -> String? {
        guard let r = html.range(of: pattern, options: .regularExpression) else { return nil }
        let match = String(html[r])
        guard let open = match.firstIndex(of: ">"), let close = match.lastIndex(of: "<") else { return nil }
        return String(match[match.index(after: open)..<close])
    }

    static func login(_ web: FormClient, email: String, password: String = "long-enough-pass") async throws -> HTTPResponse.Status {
        try await web.post("/login", ["email": email, "password": password], csrfFrom: "/login").status
    }

    /// Runs `body` with the shared fixture and a router of its services.
    static func with(_ body: @Sendable (Fixture, any TestClientProtocol) async throws -> Void) async throws {
        let f = try await shared.value
        try await buildApplication(services: f.s).test(.router) { client in try await body(f, client) }
    }

    /// Registers `email` at Aurora and reads the secret off the setup page.
    static func startSetup(_ client: any TestClientProtocol, email: String) async throws -> (web: FormClient, setup: String, secret: [UInt8]) {
        let web = FormClient(client, host: "aurora.localhost")
        try await WalletRouteTests.register(web, email: email)
        let setup = try await web.post("/security/totp/setup", [:], csrfFrom: "/security")
        let secretText = try #require(capture(#"<code id="totp-secret">[A-Z2-7]+</code>"#, in: setup.body))
        return (web, setup.body, try #require(Base32.decode(secretText)))
    }

    /// An Aurora trader with 2FA on, made through the domain API (the setup and enable pages
    /// have their own cases): no registration hash, no QR code per case.
    static func enroll(_ f: Fixture, email: String) async throws -> Enrolled {
        let now = Date()
        let key = f.s.keys.totp(tenant: f.aurora.handle.id)
        return try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
            let id = try #require(try await Users.create(audience: .trader, email: email, name: "Pat Trader", country: "GB", passwordHash: f.passwordHash, in: tx))
            let secret = try await TwoFactor.beginEnrollment(user: id, key: key, in: tx)
            let recovery = try await TwoFactor.enable(user: id, code: try #require(TOTP.code(secret: secret, time: now)), key: key, now: now, in: tx)
            return Enrolled(id: id, email: email, secret: secret, recovery: recovery, now: now)
        }
    }

    /// A device signed in as `user` with the password and the code of the next time step.
    static func signedIn(_ client: any TestClientProtocol, _ user: Enrolled) async throws -> FormClient {
        let device = try await atSecondStep(client, user)
        let next = try await device.post("/login/2fa", ["code": try #require(TOTP.code(secret: user.secret, time: user.now.addingTimeInterval(30)))], csrfFrom: "/login/2fa")
        try #require(next.status == .seeOther)
        return device
    }

    /// A new device that has passed the password step and waits for the second factor.
    static func atSecondStep(_ client: any TestClientProtocol, _ user: Enrolled) async throws -> FormClient {
        let device = FormClient(client, host: "aurora.localhost")
        try #require(try await login(device, email: user.email) == .seeOther)
        return device
    }

    @Test("setup shows a QR code and the otpauth URI of the brand and user, with a 27-byte secret; 2FA is off until enabled")
    func setupPage() async throws {
        try await Self.with { _, client in
            let web = FormClient(client, host: "aurora.localhost")
            try await WalletRouteTests.register(web, email: "setup@aurora.test")
            #expect(try await web.get("/security").body.contains(#"data-enabled="no""#))
            let setup = try await web.post("/security/totp/setup", [:], csrfFrom: "/security")
            #expect(setup.status == .ok)
            #expect(setup.body.contains("<svg"))
            #expect(setup.body.contains("otpauth://totp/Aurora%20Markets:setup@aurora.test?secret="))
            let secretText = try #require(Self.capture(#"<code id="totp-secret">[A-Z2-7]+</code>"#, in: setup.body))
            let secret = try #require(Base32.decode(secretText))
            #expect(secret.count == 27)
        }
    }

    @Test("enabling needs a correct code; it then shows ten recovery codes and the security page says enabled")
    func enable() async throws {
        try await Self.with { _, client in
            let (web, _, secret) = try await Self.startSetup(client, email: "enable@aurora.test")
            let wrong = try await web.post("/security/totp/enable", ["code": "000000"], csrfFrom: "/security")
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.body.contains("not correct"))
            #expect(try await web.get("/security").body.contains(#"data-enabled="no""#))
            let enabled = try await web.post("/security/totp/enable", ["code": try #require(TOTP.code(secret: secret, time: Date()))], csrfFrom: "/security")
            #expect(enabled.status == .ok)
            let recovery = enabled.body.components(separatedBy: #"<code class="recovery-code">"#).dropFirst().map { String($0.prefix(11)) }
            #expect(recovery.count == 10)
            #expect(try await web.get("/security").body.contains(#"data-enabled="yes""#))
        }
    }

    @Test("the secret is stored sealed: the column is not the secret, and another brand's key cannot open it")
    func storedSealed() async throws {
        try await Self.with { f, client in
            let user = try await Self.enroll(f, email: "sealed@aurora.test")
            let userID = user.id
            let stored = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                try await tx.query("SELECT totp_secret FROM users WHERE id = \(userID)").collect().first!.decode(ByteBuffer.self)
            }
            #expect(stored.readableBytes > 0)
            #expect(Array(buffer: stored) != user.secret)
            await #expect(throws: (any Error).self) {
                _ = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in try await TwoFactor.state(user: userID, key: f.s.keys.totp(tenant: f.kite.handle.id), in: tx) }
            }
        }
    }

    @Test("with 2FA on, the password alone sets only the second-step cookie, not a session")
    func passwordAlone() async throws {
        try await Self.with { f, client in
            let user = try await Self.enroll(f, email: "password@aurora.test")
            let phone = FormClient(client, host: "aurora.localhost")
            #expect(try await Self.login(phone, email: user.email) == .seeOther)
            #expect(phone.cookies[SecurityRoutesCookie.name] != nil)
            #expect(phone.cookies["atrium_trader"] == nil)
            #expect(!(try await phone.get("/").body.contains(#"id="logout-form""#)))
        }
    }

    @Test("the code spent on enrollment is refused as already used; the next step's code signs in")
    func codeOnce() async throws {
        try await Self.with { f, client in
            let user = try await Self.enroll(f, email: "code@aurora.test")
            let phone = try await Self.atSecondStep(client, user)
            let reused = try await phone.post("/login/2fa", ["code": try #require(TOTP.code(secret: user.secret, time: user.now))], csrfFrom: "/login/2fa")
            #expect(reused.status == .unauthorized)
            #expect(reused.body.contains("already used"))
            let next = try await phone.post("/login/2fa", ["code": try #require(TOTP.code(secret: user.secret, time: user.now.addingTimeInterval(30)))], csrfFrom: "/login/2fa")
            #expect(next.status == .seeOther)
            #expect(next.headers[.location] == "/")
            #expect(try await phone.get("/").body.contains(#"id="logout-form""#))
        }
    }

    @Test("a recovery code signs in once; the same code on another device is refused")
    func recoveryOnce() async throws {
        try await Self.with { f, client in
            let user = try await Self.enroll(f, email: "recovery@aurora.test")
            let laptop = try await Self.atSecondStep(client, user)
            #expect(try await laptop.post("/login/2fa", ["code": user.recovery[0]], csrfFrom: "/login/2fa").status == .seeOther)
            #expect(laptop.cookies["atrium_trader"] != nil)
            let again = try await Self.atSecondStep(client, user)
            #expect(try await again.post("/login/2fa", ["code": user.recovery[0]], csrfFrom: "/login/2fa").status == .unauthorized)
        }
    }

    @Test("five wrong codes end the attempt, even before a right one; each failure is audited against the user")
    func fiveWrongCodes() async throws {
        try await Self.with { f, client in
            let user = try await Self.enroll(f, email: "wrong@aurora.test")
            let device = try await Self.atSecondStep(client, user)
            for _ in 0..<5 { _ = try await device.post("/login/2fa", ["code": "123456"], csrfFrom: "/login/2fa") }
            let expired = try await device.post("/login/2fa", ["code": user.recovery[1]], csrfFrom: "/login/2fa")
            #expect(expired.status == .gone)
            #expect(expired.body.contains("Please sign in again"))
            #expect(device.cookies["atrium_trader"] == nil)
            let actor = "trader:\(user.id.uuidString.lowercased())"
            let audit = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                try await tx.query("SELECT count(*)::int FROM audit_log WHERE action = 'login.second_factor_failed' AND actor = \(actor)").collect().first!.decode(Int.self)
            }
            #expect(audit == 5)
        }
    }

    @Test("turning 2FA off needs a correct code; afterwards the password alone signs in")
    func disable() async throws {
        try await Self.with { f, client in
            let user = try await Self.enroll(f, email: "disable@aurora.test")
            let phone = try await Self.signedIn(client, user)
            #expect(try await phone.post("/security/totp/disable", ["code": "999999"], csrfFrom: "/security").status == .unprocessableContent)
            #expect(try await phone.get("/security").body.contains(#"data-enabled="yes""#))
            #expect(try await phone.post("/security/totp/disable", ["code": user.recovery[2]], csrfFrom: "/security").status == .ok)
            let plain = FormClient(client, host: "aurora.localhost")
            _ = try await Self.login(plain, email: user.email)
            #expect(plain.cookies["atrium_trader"] != nil)
        }
    }
}

enum SecurityRoutesCookie {
    static let name = "atrium_2fa"
}
