import AtriumBrandConfig
import AtriumHTTP
import AtriumTenancy
import Foundation
import HTTPTypes
import Testing

@Suite("Brand settings versions: save, diff, rollback, access", .serialized, .timeLimit(.minutes(3)))
struct SettingsVersionTests {
    static let fixture = Task { try await BrandSettingsFixture.make("settingsversions") }

    @Test("save → save → rollback restores the exact configuration as a new version with origin rollback")
    func rollbackRestores() async throws {
        // setup
        let f = try await Self.fixture.value
        let settings = f.s.brandSettings
        let actor = try await f.actor("admin@aurora.test")
        let original = try await settings.current(slug: "aurora")
        let first = try await settings.update(slug: "aurora", section: "branding", actor: actor) { $0.branding.primaryColor = "#112233" }
        guard case .saved(let v1) = first else { Issue.record("first save: \(first)"); return }
        let afterFirst = try await settings.current(slug: "aurora")
        let second = try await settings.update(slug: "aurora", section: "withdrawals", actor: actor) { $0.withdrawals?.maxPerDay = 7 }
        guard case .saved(let v2) = second else { Issue.record("second save: \(second)"); return }
        #expect(v2 == v1 + 1)
        // MUT
        let outcome = try await settings.rollback(slug: "aurora", to: v1, actor: actor)
        // validate
        #expect(outcome == .saved(version: v2 + 1))
        let restored = try await settings.current(slug: "aurora")
        #expect(try restored.canonicalJSON() == afterFirst.canonicalJSON())
        #expect(restored.branding.primaryColor == "#112233" && restored.withdrawals?.maxPerDay != 7)
        let latest = try #require(try await settings.latest(slug: "aurora"))
        #expect(latest.version == v2 + 1 && latest.origin == "rollback" && latest.section == "rollback to v\(v1)")
        #expect(latest.staffEmail == "admin@aurora.test")
        let audited = try await f.count("""
            SELECT count(*)::int FROM audit_log WHERE action = 'brand.settings.rollback' AND subject = 'rollback to v\(v1)'
            AND before->'withdrawals'->>'max_per_day' = '7' AND after->'branding'->>'primary_color' = '#112233'
            """)
        #expect(audited == 1)
        // Back to the start so the other cases see the brand file's values.
        _ = try await settings.update(slug: "aurora", section: "test", actor: actor) { $0 = original }
    }

    @Test("the diff names each changed field with old and new values")
    func diffBetweenVersions() async throws {
        let f = try await Self.fixture.value
        let actor = try await f.actor("admin@aurora.test")
        let before = try await f.latestVersion()
        _ = try await f.s.brandSettings.update(slug: "aurora", section: "psps", actor: actor) { $0.psps?[0].maxAmountMinor = 4_000_000 }
        let after = try await f.latestVersion()
        let diff = try #require(try await f.s.brandSettings.diff(slug: "aurora", from: before, to: after))
        #expect(diff.changes == [ConfigDiff.Change(path: "psps[0].max_amount_minor", old: "5000000", new: "4000000", isSecret: false)])
        try await f.signedIn("admin@aurora.test") { web in
            let page = try await web.get("/admin/settings/versions?from=\(before)&to=\(after)")
            #expect(page.status == .ok)
            #expect(page.body.contains("data-path=\"psps[0].max_amount_minor\""))
            #expect(page.body.contains("5000000") && page.body.contains("4000000"))
        }
        _ = try await f.s.brandSettings.rollback(slug: "aurora", to: before, actor: actor)
    }

    @Test("a rollback through the page writes a version; an invalid save names the field and writes nothing")
    func rollbackRouteAndBadInput() async throws {
        let f = try await Self.fixture.value
        let actor = try await f.actor("admin@aurora.test")
        let start = try await f.latestVersion()
        // A bad colour is refused by the same rules as `tenant apply`, naming the field; no version.
        await #expect(throws: ProvisioningError.self) {
            _ = try await f.s.brandSettings.update(slug: "aurora", section: "branding", actor: actor) { $0.branding.primaryColor = "blue" }
        }
        // A credential field holding a literal secret is refused too.
        do {
            _ = try await f.s.brandSettings.update(slug: "aurora", section: "psps", actor: actor) { $0.psps?[0].apiKey = "sk_live_plaintext" }
            Issue.record("a literal api key was accepted")
        } catch ProvisioningError.invalidConfig(let e) {
            #expect(e.problems.map(\.path) == ["psps[0].api_key"])
        }
        #expect(try await f.latestVersion() == start)
        _ = try await f.s.brandSettings.update(slug: "aurora", section: "branding", actor: actor) { $0.branding.accentColor = "#abcdef" }
        try await f.signedIn("admin@aurora.test") { web in
            let ok = try await web.post("/admin/settings/versions/\(start)/rollback", [:], csrfFrom: "/admin/settings/versions")
            #expect(ok.status == .seeOther)
            #expect(ok.headers[.location] == "/admin/settings/versions?done=saved")
            let missing = try await web.post("/admin/settings/versions/9999/rollback", [:], csrfFrom: "/admin/settings/versions")
            #expect(missing.status == .notFound)
        }
        #expect(try await f.latestVersion() == start + 2)
        #expect(try await f.s.brandSettings.current(slug: "aurora").branding.accentColor != "#abcdef")
    }

    @Test("only brand.manage reaches the settings screens: Super Admin 200, every other built-in role 403")
    func accessByRole() async throws {
        let f = try await Self.fixture.value
        let start = try await f.latestVersion()
        for (role, email) in BrandSettingsFixture.roles {
            try await f.signedIn(email) { web in
                for path in ["/admin/settings/versions", "/admin/settings/credentials", "/admin/settings/approvals"] {
                    let r = try await web.get(path)
                    #expect(r.status == (role == .superAdmin ? .ok : .forbidden), "\(role.rawValue) \(path)")
                }
                let post = try await web.post("/admin/settings/credentials", ["credential": "psp:sandbox-card:api_key", "value": "x"], csrfFrom: "/admin")
                #expect(post.status == (role == .superAdmin ? .seeOther : .forbidden), "\(role.rawValue) POST credentials")
                guard role != .superAdmin else { return }
                let rollback = try await web.post("/admin/settings/versions/1/rollback", [:], csrfFrom: "/admin")
                let approve = try await web.post("/admin/settings/approvals/\(UUID().uuidString.lowercased())/approve", [:], csrfFrom: "/admin")
                let reject = try await web.post("/admin/settings/approvals/\(UUID().uuidString.lowercased())/reject", [:], csrfFrom: "/admin")
                #expect([rollback.status, approve.status, reject.status] == [.forbidden, .forbidden, .forbidden], "\(role.rawValue) POSTs")
            }
        }
        // Only the Super Admin's credential was stored.
        #expect(try await f.latestVersion() == start + 1)
    }
}
