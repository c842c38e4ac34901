import AtriumBrandConfig
import AtriumHTTP
import AtriumTenancy
import Foundation
import HTTPTypes
import Testing

@Suite("Four-eyes brand settings: pending, self-approval refused, approve applies, stale is superseded", .serialized, .timeLimit(.minutes(3)))
struct FourEyesSettingsTests {
    /// Aurora with `security.four_eyes: true` (set from the brand file, origin file).
    static let fixture = Task { () throws -> BrandSettingsFixture in
        let f = try await BrandSettingsFixture.make("settingsfoureyes")
        var config = try await f.s.brandSettings.current(slug: "aurora")
        config.security = TenantConfig.Security(staffTwoFactor: config.security?.staffTwoFactor, fourEyes: true)
        _ = try await f.s.provisioning.apply(config, actor: "test")
        return f
    }

    @Test("a withdrawal limit change waits as pending; the proposer cannot approve it; another admin's approval applies it")
    func pendingThenApproved() async throws {
        // setup
        let f = try await Self.fixture.value
        let proposer = try await f.actor("admin@aurora.test")
        let approver = try await f.actor("second@aurora.test")
        let before = try await f.latestVersion()
        // MUT
        let outcome = try await f.s.brandSettings.update(slug: "aurora", section: "withdrawals", actor: proposer) {
            $0.withdrawals?.autoApproveMaxMinor?["USD"] = 25_000
        }
        // validate
        guard case .pendingApproval(let id) = outcome else { Issue.record("expected pending, got \(outcome)"); return }
        #expect(try await f.latestVersion() == before)
        #expect(try await f.s.brandSettings.current(slug: "aurora").withdrawals?.autoApproveMaxMinor?["USD"] == 50_000)
        #expect(try await f.count("SELECT count(*)::int FROM brand_config_changes WHERE status = 'pending' AND summary = 'withdrawals.auto_approve_max_minor.USD'") == 1)
        await #expect(throws: ProvisioningError.ownChange) {
            _ = try await f.s.brandSettings.approve(slug: "aurora", change: id, actor: proposer)
        }
        let approved = try await f.s.brandSettings.approve(slug: "aurora", change: id, actor: approver)
        #expect(approved == .saved(version: before + 1))
        #expect(try await f.s.brandSettings.current(slug: "aurora").withdrawals?.autoApproveMaxMinor?["USD"] == 25_000)
        let decided = try await f.count("""
            SELECT count(*)::int FROM brand_config_changes WHERE id = '\(id.uuidString)' AND status = 'approved' AND decided_by IS NOT NULL
            """)
        #expect(decided == 1)
        #expect(try await f.count("SELECT count(*)::int FROM audit_log WHERE action IN ('brand.settings.proposed', 'brand.settings.approved') AND subject = '\(id.uuidString.lowercased())'") == 2)
        await #expect(throws: ProvisioningError.changeNotFound) {
            _ = try await f.s.brandSettings.approve(slug: "aurora", change: id, actor: approver)
        }
    }

    @Test("a change whose base version is no longer current is marked superseded on approval, and nothing is applied")
    func staleIsSuperseded() async throws {
        let f = try await Self.fixture.value
        let proposer = try await f.actor("admin@aurora.test")
        let approver = try await f.actor("second@aurora.test")
        let outcome = try await f.s.brandSettings.update(slug: "aurora", section: "psps", actor: proposer) { $0.psps?[0].minAmountMinor = 2_000 }
        guard case .pendingApproval(let id) = outcome else { Issue.record("expected pending, got \(outcome)"); return }
        // A change four-eyes does not guard is saved at once, moving the brand past the base version.
        let colour = try await f.s.brandSettings.update(slug: "aurora", section: "branding", actor: proposer) { $0.branding.accentColor = "#010203" }
        guard case .saved(let current) = colour else { Issue.record("expected saved, got \(colour)"); return }
        do {
            _ = try await f.s.brandSettings.approve(slug: "aurora", change: id, actor: approver)
            Issue.record("a stale change was applied")
        } catch ProvisioningError.superseded(_, let now) {
            #expect(now == current)
        }
        #expect(try await f.latestVersion() == current)
        #expect(try await f.s.brandSettings.current(slug: "aurora").psps?[0].minAmountMinor == 1_000)
        #expect(try await f.count("SELECT count(*)::int FROM brand_config_changes WHERE id = '\(id.uuidString)' AND status = 'superseded'") == 1)
    }

    @Test("through the pages: a credential change goes to approvals; the proposer gets 403 approving; the other admin rejects it")
    func pagesAndReject() async throws {
        let f = try await Self.fixture.value
        let before = try await f.latestVersion()
        try await f.signedIn("admin@aurora.test") { web in
            let r = try await web.post("/admin/settings/credentials", ["credential": "psp:sandbox-card:api_key", "value": "sk-four-eyes"],
                                       csrfFrom: "/admin/settings/credentials")
            #expect(r.headers[.location] == "/admin/settings/approvals?done=pending")
        }
        let change = try #require(try await f.s.brandSettings.changes(slug: "aurora").first { $0.section == "credentials" })
        let id = change.id.uuidString.lowercased()
        try await f.signedIn("admin@aurora.test") { web in
            let page = try await web.get("/admin/settings/approvals")
            #expect(page.body.contains("data-path=\"psps[0].api_key\"") && !page.body.contains("sk-four-eyes"))
            let own = try await web.post("/admin/settings/approvals/\(id)/approve", [:], csrfFrom: "/admin/settings/approvals")
            #expect(own.status == .forbidden)
        }
        try await f.signedIn("second@aurora.test") { web in
            let r = try await web.post("/admin/settings/approvals/\(id)/reject", [:], csrfFrom: "/admin/settings/approvals")
            #expect(r.headers[.location] == "/admin/settings/approvals?done=rejected")
        }
        #expect(try await f.latestVersion() == before)
        #expect(try await f.count("SELECT count(*)::int FROM brand_config_changes WHERE id = '\(id)' AND status = 'rejected'") == 1)
        #expect(try await f.s.brandSettings.current(slug: "aurora").psps?[0].apiKey == nil)
    }
}
