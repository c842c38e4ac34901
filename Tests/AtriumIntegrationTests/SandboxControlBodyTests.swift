import Foundation
import Testing

@Suite("Sandbox control bodies are encoded JSON", .timeLimit(.minutes(1)))
struct SandboxControlBodyTests {
    @Test("a fault target holding a quote and a backslash reaches the sandbox as JSON and is armed (the harness expects 200)")
    func faultTargetWithQuote() async throws {
        try await SandboxPlatformHarness.with { sandbox in
            // MUT: `fault` expects a 200 from the sandbox; a body built by interpolation is not JSON (400)
            try await sandbox.fault(#"/api/"quoted"\path"#, "error", count: 0)
            // validate: the sandbox still answers its control state
            let reply = try await RawHTTP.send(sandbox.url + "/control/state", method: .GET)
            #expect(reply.status == 200)
            #expect(reply.body.contains(#""accounts":"#))
        }
    }
}
