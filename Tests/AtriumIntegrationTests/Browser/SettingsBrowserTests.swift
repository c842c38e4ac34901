import AtriumBrandConfig
import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumTenancy
import Foundation
import Testing

@Suite("Brand settings in a real browser", .serialized, .timeLimit(.minutes(3)))
struct SettingsBrowserTests {
    static let shots = TestCluster.repoRoot + "/.atrium/screenshots"

    @Test("an admin replaces a PSP key under four-eyes, a second admin approves it, the diff and a rollback follow")
    func credentialApprovalRollback() async throws {
        let f = try await BrandSettingsFixture.make("settingsbrowser")
        var config = try await f.s.brandSettings.current(slug: "aurora")
        config.security = TenantConfig.Security(staffTwoFactor: config.security?.staffTwoFactor, fourEyes: true)
        _ = try await f.s.provisioning.apply(config, actor: "test")
        let start = try await f.latestVersion()
        try await withLiveServer(f.s) { port in
            try await ChromeDriver.withBrowser(width: 1280, height: 1000) { b in
                func url(_ path: String) -> String { "http://aurora.localhost:\(port)\(path)" }
                func shot(_ name: String) async throws { _ = try await b.screenshot(to: "\(Self.shots)/\(name).png") }
                func signIn(_ email: String) async throws {
                    try await b.open(url("/admin"))
                    try await b.fill(["email": email, "password": BrandSettingsFixture.password], in: "#login-form")
                    try await b.submit("#login-form")
                    _ = try await b.waitFor(css: "#logout-form", timeout: .seconds(20))
                }

                // The first admin sets the card PSP's API key: it waits for a second approver.
                try await signIn("admin@aurora.test")
                try await b.open(url("/admin/settings/credentials"))
                try await shot("80-settings-credentials")
                let row = "tr[data-credential='psp:sandbox-card:api_key']"
                try await b.find("\(row) input[name=value]").type("sk-browser-key-1")
                try await b.find("\(row) button").click()
                _ = try await b.waitFor(css: "section[data-change]", timeout: .seconds(20))
                #expect(try await b.pageSource().contains("psps[0].api_key"))
                #expect(try await !b.pageSource().contains("sk-browser-key-1"))
                try await shot("81-settings-approval-pending")
                try await b.open(url("/admin"))
                try await b.submit("#logout-form")

                // The second admin approves; the key is set and the versions page shows the change.
                try await signIn("second@aurora.test")
                try await b.open(url("/admin/settings/approvals"))
                try await b.find("section[data-change] form[action$='/approve'] button").click()
                _ = try await b.waitFor(css: ".alert-notice", timeout: .seconds(20))
                try await shot("82-settings-approved")
                try await b.open(url("/admin/settings/credentials"))
                let state = try await b.find("\(row) .credential-state").text()
                #expect(state.contains("last changed by second@aurora.test"))
                try await shot("83-settings-credential-set")
                try await b.open(url("/admin/settings/versions"))
                #expect(try await b.find("#version-diff-table").text().contains("psps[0].api_key"))
                try await shot("84-settings-versions-diff")

                // Rolling back to the version before is itself a guarded change: it waits too.
                try await b.find("tr[data-version='\(start)'] button").click()
                _ = try await b.waitFor(css: "section[data-change]", timeout: .seconds(20))
                try await shot("85-settings-rollback-pending")
            }
        }
        #expect(try await f.latestVersion() == start + 1)
        #expect(CredentialVault.isSealed(try await f.s.brandSettings.current(slug: "aurora").psps?[0].apiKey))
        #expect(try await f.count("SELECT count(*)::int FROM brand_config_changes WHERE status = 'pending' AND section = 'rollback to v\(start)'") == 1)
    }
}
