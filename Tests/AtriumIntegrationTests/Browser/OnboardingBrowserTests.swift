import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumTenancy
import Foundation
import Hummingbird
import Testing

@Suite("Onboarding in a real browser", .serialized, .timeLimit(.minutes(3)))
struct OnboardingBrowserTests {
    static let shots = TestCluster.repoRoot + "/.atrium/screenshots"

    @Test("register on two brands, verify the email from the mail directory, sign in with TOTP, upload documents; Aurora auto-approves, Meridian's Compliance approves")
    func onboarding() async throws {
        try await TestEnv.with("onboardbrowser") { s in
            _ = try await PortalTests.applyDemoBrands(s)
            try await DemoSeed.upsertStaff(slug: "meridian", email: "compliance@meridian.test", role: .compliance, password: "compliance-pass-1", services: s)
            let files = s.config.home + "/fixtures"
            try FileManager.default.createDirectory(atPath: files, withIntermediateDirectories: true)
            try Data(Fixtures.png(salt: 7)).write(to: URL(fileURLWithPath: files + "/passport.png"))
            try Data(Fixtures.pdf(pages: 2)).write(to: URL(fileURLWithPath: files + "/bill.pdf"))
            try await withLiveServer(s) { port in
                try await ChromeDriver.withBrowser(width: 1280, height: 1000) { browser in try await Self.walk(browser, port: port, mailRoot: s.config.home + "/mail", files: files) }
            }
        }
    }

    /// The path of the newest link to `prefix` in the brand's mail directory (the job worker delivers within a second or so).
    static func mailedLink(root: String, slug: String, to email: String, prefix: String) async throws -> String {
        for _ in 0..<100 {
            let dir = root + "/" + slug
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            for name in names.sorted().reversed() {
                guard let text = try? String(contentsOfFile: dir + "/" + name, encoding: .utf8), text.contains(email),
                      let range = text.range(of: prefix + "[A-Za-z0-9_-]+", options: .regularExpression) else { continue }
                return String(text[range])
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw WebDriverError.driverStartFailed("no mail with \(prefix) for \(email) in \(root)/\(slug)")
    }

    static func walk(_ b: BrowserSession, port: Int, mailRoot: String, files: String) async throws {
        func url(_ brand: String, _ path: String) -> String { "http://\(brand).localhost:\(port)\(path)" }
        func shot(_ name: String) async throws { _ = try await b.screenshot(to: "\(shots)/\(name).png") }
        func setDate(_ css: String, _ value: String) async throws {
            _ = try await b.evaluate("document.querySelector('\(css)').value = '\(value)'")
        }
        func register(_ brand: String, email: String, country: String) async throws {
            try await b.open(url(brand, "/register?lang=en"))
            try await b.fill(["name": "Zoë Traders", "email": email, "password": "a-long-password-3"], in: "#register-form")
            try await b.find("#register-form select[name=country]").selectOption(value: country)
            try await b.find("#register-form input[name=accept_terms]").click()
            try await b.submit("#register-form")
            _ = try await b.waitFor(css: "#logout-form", timeout: .seconds(20))
        }
        func completeProfileAndUpload(_ brand: String, prefix: String) async throws {
            try await b.open(url(brand, "/profile"))
            try await setDate("#profile-dob", "1990-05-17")
            try await b.fill(["address_line": "1 Harbour Road", "city": "Dubai", "postal_code": "00000"], in: "#profile-form")
            try await b.submit("#profile-form")
            _ = try await b.waitFor(css: ".alert-notice, #profile-form", timeout: .seconds(20))
            try await b.open(url(brand, "/kyc"))
            try await shot("\(prefix)-kyc-start")
            try await b.find("#upload-kind").selectOption(value: "identity")
            try await b.find("#upload-file").chooseFile(files + "/passport.png")
            try await b.fill(["declared_name": "Zoe Traders"], in: "#upload-form")
            try await setDate("#upload-dob", "1990-05-17")
            try await b.submit("#upload-form")
            _ = try await b.waitFor(css: "#required-documents li[data-kind=identity][data-done=yes]", timeout: .seconds(20))
            try await b.find("#upload-kind").selectOption(value: "proof_of_address")
            try await b.find("#upload-file").chooseFile(files + "/bill.pdf")
            let issued = ISO8601DateFormatter.string(from: Date().addingTimeInterval(-7 * 86_400), timeZone: .gmt, formatOptions: [.withFullDate])
            try await setDate("#upload-issued", issued)
            try await b.submit("#upload-form")
            _ = try await b.waitFor(css: "#required-documents li[data-kind=proof_of_address][data-done=yes]", timeout: .seconds(20))
            try await shot("\(prefix)-kyc-documents")
            try await b.submit("#kyc-submit-form")
        }

        // Aurora: register, confirm the address from the mailed link.
        try await register("aurora", email: "zoe@aurora.example", country: "GB")
        try await shot("40-aurora-registered")
        let verify = try await mailedLink(root: mailRoot, slug: "aurora", to: "zoe@aurora.example", prefix: "/verify/")
        try await b.open(url("aurora", verify))
        #expect(try await b.pageSource().contains("your email address is confirmed"))
        try await shot("41-aurora-email-verified")

        // Turn on TOTP with the secret shown next to the QR code, then sign in again with a code.
        try await b.open(url("aurora", "/security"))
        try await b.submit("#totp-setup-form")
        let secretText = try await b.waitFor(css: "#totp-secret", timeout: .seconds(20)).text()
        let secret = try #require(Base32.decode(secretText))
        try await shot("42-aurora-totp-qr")
        try await b.fill(["code": try #require(TOTP.code(secret: secret, time: Date()))], in: "#totp-enable-form")
        try await b.submit("#totp-enable-form")
        do { _ = try await b.waitFor(css: "#recovery-codes", timeout: .seconds(20)) } catch {
            try await shot("43-FAILED")
            Issue.record("enable failed on \(try await b.currentURL()): \(try await b.pageSource().components(separatedBy: "<main").last?.prefix(800) ?? "")")
            throw error
        }
        try await shot("43-aurora-recovery-codes")
        try await b.open(url("aurora", "/"))
        try await b.submit("#logout-form")
        // The click returns before the sign-out answer arrives; opening /login earlier would still carry the session.
        try await b.waitUntilGone(css: "#logout-form")
        try await b.open(url("aurora", "/login"))
        try await b.fill(["email": "zoe@aurora.example", "password": "a-long-password-3"], in: "#login-form")
        try await b.submit("#login-form")
        _ = try await b.waitFor(css: "#login-2fa-form", timeout: .seconds(20))
        try await shot("44-aurora-2fa-step")
        try await b.fill(["code": try #require(TOTP.code(secret: secret, time: Date().addingTimeInterval(30)))], in: "#login-2fa-form")
        try await b.submit("#login-2fa-form")
        _ = try await b.waitFor(css: "#logout-form", timeout: .seconds(20))

        // Profile, documents, submit: Aurora's default jurisdiction approves a clean application.
        try await completeProfileAndUpload("aurora", prefix: "45-aurora")
        _ = try await b.waitFor(css: "#kyc-status[data-status=approved]", timeout: .seconds(20))
        try await shot("46-aurora-kyc-approved")

        // Meridian (UAE): same steps; the jurisdiction requires a person.
        try await register("meridian", email: "zoe@meridian.example", country: "AE")
        let verifyM = try await mailedLink(root: mailRoot, slug: "meridian", to: "zoe@meridian.example", prefix: "/verify/")
        try await b.open(url("meridian", verifyM))
        try await completeProfileAndUpload("meridian", prefix: "47-meridian")
        _ = try await b.waitFor(css: "#kyc-status[data-status=submitted]", timeout: .seconds(20))
        try await shot("48-meridian-kyc-in-review")

        // Meridian's Compliance officer opens the case and approves it.
        try await b.open(url("meridian", "/admin?lang=en"))
        try await b.fill(["email": "compliance@meridian.test", "password": "compliance-pass-1"], in: "#login-form")
        try await b.submit("#login-form")
        _ = try await b.waitFor(css: "#logout-form", timeout: .seconds(20))
        try await b.open(url("meridian", "/admin/kyc"))
        #expect(try await b.find("#kyc-queue").text().contains("zoe@meridian.example"))
        try await shot("49-meridian-kyc-queue")
        try await b.find("#kyc-queue a").click()
        _ = try await b.waitFor(css: "#kyc-decide-form", timeout: .seconds(20))
        #expect(try await b.find("#case-reasons").text().contains("manual review"))
        try await shot("50-meridian-kyc-case")
        try await b.fill(["note": "Documents checked against the profile"], in: "#kyc-decide-form")
        try await b.find("#kyc-approve").click()
        _ = try await b.waitFor(css: ".alert-notice", timeout: .seconds(20))
        try await shot("51-meridian-kyc-approved-by-compliance")
        try await b.open(url("meridian", "/kyc"))
        _ = try await b.waitFor(css: "#kyc-status[data-status=approved]", timeout: .seconds(20))
        try await shot("52-meridian-client-approved")
    }
}
