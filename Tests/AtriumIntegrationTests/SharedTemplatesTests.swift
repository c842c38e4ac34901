import AtriumBrandConfig
import AtriumCore
@testable import AtriumHTTP
import AtriumTenancy
import Foundation
import HummingbirdTesting
import Testing

/// Brands without template overrides are served from one shared compiled library per locale,
/// with their own values filled in at render time (issue 15, goal 3).
@Suite("Shared templates", .timeLimit(.minutes(3)))
struct SharedTemplatesTests {
    @Test("two brands share one compiled library and each shows its own name; a renamed brand shows the new values on the next page, with no recompile")
    func sharedAndRenamed() async throws {
        try await TestEnv.with("tplshare") { s in
            let a = try await s.makeTenant("tpla", locales: ["en"])
            let b = try await s.makeTenant("tplb", locales: ["en"])
            try await buildApplication(services: s).test(.router) { client in
                let pageA = FormClient(client, host: a.domains[0]), pageB = FormClient(client, host: b.domains[0])
                for path in ["/", "/login"] {
                    let ra = try await pageA.get(path), rb = try await pageB.get(path)
                    #expect(ra.status == .ok && rb.status == .ok)
                    #expect(ra.body.contains(a.name) && !ra.body.contains(b.name))
                    #expect(rb.body.contains(b.name) && !rb.body.contains(a.name))
                }
                let before = s.renderer.sharedLibraries.stats
                #expect(before.entries == 1)
                #expect(before.hits >= 3)
                #expect(s.renderer.overrideLibraries.stats.entries == 0)

                var changed = try #require(a.config)
                changed.name = "Renamed & Co"
                changed.branding.legalFooter = "Renamed footer, regulated nowhere."
                changed.branding.primaryColor = "#123456"
                _ = try await s.provisioning.apply(changed, actor: "test")
                let renamed = try await pageA.get("/")
                #expect(renamed.status == .ok)
                #expect(renamed.body.contains("Renamed &amp; Co"))
                #expect(renamed.body.contains("Renamed footer, regulated nowhere."))
                #expect(renamed.body.contains("#123456"))
                #expect(!renamed.body.contains(a.name))
                let after = s.renderer.sharedLibraries.stats
                #expect(after.misses == before.misses)
                #expect(after.entries == 1)
                #expect(after.hits > before.hits)
            }
        }
    }
}
