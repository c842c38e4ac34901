import AtriumCore
import AtriumHTTP
import Foundation
import Testing

/// Defect 12: `atrium serve` with trading connections and a request in flight exits 0 on SIGTERM.
@Suite("Graceful shutdown", .timeLimit(.minutes(3)))
struct ShutdownTests {
    @Test("SIGTERM: the request in flight completes and serve exits 0 within 10 s, trading sync running")
    func sigtermWithTradingAndRequestInFlight() async throws {
        try await SandboxPlatformHarness.with { platform in
            try await TestEnv.with("sigterm", environment: platform.environment) { s in
                _ = try await PortalTests.applyDemoBrands(s)
                let port = try ChromeDriver.freePort()
                var env = s.config.environment
                env["ATRIUM_PORT"] = "\(port)"
                env["ATRIUM_LOG_LEVEL"] = "warning"
                // The sync loops and the maintenance loop run, as in production.
                env["ATRIUM_TRADING_SYNC"] = "true"
                env["ATRIUM_TRADING_SYNC_SECONDS"] = "1"
                let server = try AtriumRun(["serve"], environment: env, log: s.config.home + "/serve-\(port).log")
                do {
                    try await server.waitUntilHealthy(port: port)
                    // Let the sync loops start and make their first platform calls.
                    for _ in 0..<100 {
                        let tenant = try #require(try await s.registry.tenant(slug: "aurora"))
                        let synced = try await s.trading.syncStatus(tenant: tenant.handle).contains { $0.lastSuccessAt != nil }
                        if synced { break }
                        try await Task.sleep(for: .milliseconds(100))
                    }
                    // A slow request: the sandbox PSP waits 2 s before answering any API call.
                    let control = try await RawHTTP.send("http://127.0.0.1:\(port)/sandbox-psp/control", body: RawHTTP.form(["latency_ms": "2000"]))
                    #expect(control.status == 200)
                    let inFlight = Task {
                        try await RawHTTP.send("http://127.0.0.1:\(port)/sandbox-psp/v1/payouts", headers: [("Authorization", "Bearer none")], body: [])
                    }
                    try await Task.sleep(for: .milliseconds(500))
                    let signalled = ContinuousClock.now
                    server.signal(SIGTERM)
                    let reply = try await inFlight.value
                    // The request ran to its end: the sandbox's own answer to an unknown key.
                    #expect(reply.status == 401)
                    #expect(reply.body.contains("Invalid API key"))
                    let status = await server.exitStatus(within: 10)
                    #expect(status == 0, "serve did not exit 0 within 10 s of SIGTERM:\n\(server.output.suffix(1500))")
                    #expect(ContinuousClock.now - signalled < .seconds(10))
                } catch {
                    await server.stop()
                    throw error
                }
                await server.stop()
            }
        }
    }
}
