import AtriumHTTP
import AtriumStorage
import AtriumTrading
import AtriumWork
import Foundation
import PostgresNIO
import Testing

@Suite("Trading recovery jobs", .timeLimit(.minutes(3)))
struct TradingRecoveryJobTests {
    @Test("a recovery job naming a transfer that does not exist fails permanently with the reason, not done")
    func unknownTransferFails() async throws {
        try await TestEnv.with("trjobunknown") { s in
            // setup
            _ = try await PortalTests.applyDemoBrands(s)
            let aurora = try #require(try await s.registry.tenant(slug: "aurora"))
            struct Payload: Encodable { let transfer: UUID }
            let missing = UUID()
            let payload = String(decoding: try JSONEncoder().encode(Payload(transfer: missing)), as: UTF8.self)
            try await s.jobs.enqueue(JobRequest(kind: TradingJobs.transfer, payload: payload), tenant: aurora.handle.id)
            let before = corruptCount("job_payload", s)
            // MUT
            let worker = try #require(backgroundServices(s).compactMap { $0 as? JobWorker }.first)
            while try await worker.runOnce() {}
            // validate
            let (done, failed, attempts, reason) = try await s.database.platform { conn in
                try await conn.query("SELECT done_at IS NOT NULL, failed_at IS NOT NULL, attempts, last_error FROM platform.jobs WHERE kind = \(TradingJobs.transfer)",
                                     logger: s.logger).collect().first!.decode((Bool, Bool, Int, String?).self)
            }
            #expect(done == false)
            #expect(failed == true)
            #expect(attempts == 1)
            #expect(reason == "no trading transfer \(missing.uuidString.lowercased()) in tenant aurora")
            // The counter is process-wide and other suites running in parallel count too: at least ours.
            #expect(corruptCount("job_payload", s) >= before + 1)
        }
    }
}
