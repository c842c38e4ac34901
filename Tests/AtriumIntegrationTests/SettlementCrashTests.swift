import AtriumBrandConfig
import AtriumCore
import AtriumHTTP
import AtriumLedger
import AtriumStorage
import Foundation
import PostgresNIO
import Testing

@Suite("Settlement across a process kill", .serialized, .timeLimit(.minutes(3)))
struct SettlementCrashTests {
    @Test("the server is killed between the ledger transfer and the marking; after a restart the IB is paid exactly once")
    func killAndRestart() async throws {
        try await TestEnv.with("stlkill") { s in
            // setup: Aurora settles daily and approves up to 1,000.00 USD by itself
            var config = try TenantConfig.testBrand("aurora")
            config.partners = TenantConfig.PartnerProgram(settlement: "daily", autoApproveMaxMinor: ["USD": 100_000])
            _ = try await s.provisioning.apply(config, actor: "test")
            let aurora = try #require(try await s.registry.tenant(slug: "aurora"))
            let f = try await SettlementFixture.make(s, prefix: "stlkill", in: aurora)
            let twoDaysAgo = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-2 * 86_400))
            try await f.line(3_300, at: twoDaysAgo, deal: 1)
            try await f.line(4_400, at: twoDaysAgo, deal: 2)

            // MUT: the recurring job runs at start and the process dies between posting and marking
            let crashing = try ServerProcess(config: s.config, port: try ChromeDriver.freePort(), extra: ["ATRIUM_FAILPOINT": "settlement-after-posting"])
            #expect(await crashing.waitUntilExited(seconds: 60))
            #expect(crashing.process.terminationStatus == 137)
            // validate: the settlement exists and is approved, but no money moved and no line is settled
            #expect(try await f.settlements().map { $0.hasSuffix("7700 2 approved") } == [true])
            #expect(try await f.count("SELECT count(*)::int FROM ledger_transfers WHERE code = 'ib_commission'") == 0)
            #expect(try await f.wallet().balance == 0)

            // MUT: a restarted server finishes the job
            let server = try ServerProcess(config: s.config, port: try ChromeDriver.freePort(), extra: [:])
            try await server.waitUntilHealthy()
            for _ in 0..<300 {
                if try await f.count("SELECT count(*)::int FROM commission_settlements WHERE status = 'posted'") == 1 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            await server.stop()
            // validate
            #expect(try await f.settlements().map { $0.hasSuffix("7700 2 posted") } == [true])
            #expect(try await f.count("SELECT count(*)::int FROM ledger_transfers WHERE code = 'ib_commission'") == 1)
            #expect(try await f.count("SELECT count(*)::int FROM commission_lines WHERE status = 'settled'") == 2)
            #expect(try await f.wallet().balance == 7_700)
            try await f.expectConsistent()
        }
    }
}
