import AtriumHTTP
import AtriumTrading
import Foundation
import HTTPTypes
import Testing

@Suite("Platform editor: test connection shows the platform's answer", .serialized, .timeLimit(.minutes(3)))
struct PlatformConnectionTestTests {
    @Test("the sandbox platform answers OK; a wrong endpoint shows the error; testing writes no version")
    func testConnection() async throws {
        try await SandboxPlatformHarness.with { sandbox in
            // The manager credentials are set, so that a wrong endpoint is tried on the network.
            let credentials = ["AURORA_MT5_LOGIN": SandboxPlatformKeys.managerLogin, "AURORA_MT5_PASSWORD": SandboxPlatformKeys.managerPassword]
            let f = try await EditorsFixture.make("editorsping", environment: TradeFixture.environment(sandbox).merging(credentials) { _, new in new })
            try await f.signedIn { web in
                // setup
                let before = try await f.latestVersion().version
                // MUT: the brand's resolved connection (endpoint: sandbox → the sandbox trading server).
                let ok = try await web.post("/admin/settings/platforms/mt5-live/test", ["endpoint": "sandbox"], csrfFrom: "/admin/settings/platforms")
                // validate
                #expect(ok.status == .ok)
                #expect(ok.body.contains(#"data-ok="true""#))
                #expect(ok.body.contains("OK: the platform answered in"))

                // MUT: a port nothing listens on.
                let wrong = try await web.post("/admin/settings/platforms/mt5-live/test", ["endpoint": "http://127.0.0.1:9"],
                                               csrfFrom: "/admin/settings/platforms")
                #expect(wrong.status == .ok)
                #expect(wrong.body.contains(#"data-ok="false""#))
                #expect(wrong.body.contains("The platform did not answer: unavailable"))
                // The typed endpoint stays in the form, unsaved.
                #expect(wrong.body.contains(#"value="http://127.0.0.1:9""#))
                #expect(try await f.latestVersion().version == before)
                #expect(try await f.config().platforms?.first?.endpoint == "sandbox")
                #expect(try await web.post("/admin/settings/platforms/nope/test", ["endpoint": "sandbox"], csrfFrom: "/admin/settings/platforms").status == .notFound)
            }
        }
    }
}
