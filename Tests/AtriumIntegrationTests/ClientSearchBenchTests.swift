import AtriumCRM
import AtriumHTTP
import Foundation
import Testing

/// The client list at 100,000 clients (the same seed and scenarios as `atrium bench-clients`),
/// run only when `ATRIUM_BENCH_CLIENTS` is set (it seeds 100,000 users and takes a minute or two):
///
///     ATRIUM_BENCH_CLIENTS=100000 swift test --filter ClientSearchBench
///
/// Writes the figures and plans to `$ATRIUM_TEST_HOME/bench-clients.txt`.
@Suite("Client list at 100,000 clients", .timeLimit(.minutes(10)),
       .enabled(if: ProcessInfo.processInfo.environment["ATRIUM_BENCH_CLIENTS"] != nil))
struct ClientSearchBenchTests {
    @Test("every page of the list answers in under 200 ms; the first and deep pages walk users_trader_created")
    func hundredThousand() async throws {
        let count = Int(ProcessInfo.processInfo.environment["ATRIUM_BENCH_CLIENTS"] ?? "") ?? 100_000
        try await TestEnv.with("benchclients") { s in
            // setup
            let tenant = try await s.makeTenant("bcl")
            let started = ContinuousClock.now
            let agents = try await ClientBench.seed(count: count, db: s.tenantDB, tenant: tenant.handle)
            let seeded = ContinuousClock.now - started
            // MUT
            let figures = try await ClientBench.measure(db: s.tenantDB, tenant: tenant.handle, agents: agents)
            // validate + report
            var report = "clients=\(count) seed=\(seeded)\n"
            for f in figures { report += f.name.padding(toLength: 32, withPad: " ", startingAt: 0) + String(format: " %8.2f ms  rows=%d\n", f.medianMs, f.rows) }
            for f in figures { report += "\n## \(f.name)\n\(f.plan)\n" }
            let home = ProcessInfo.processInfo.environment["ATRIUM_TEST_HOME"] ?? NSTemporaryDirectory()
            try report.write(toFile: home + "/bench-clients.txt", atomically: true, encoding: .utf8)
            print(report)
            for f in figures { #expect(f.medianMs < 200, "\(f.name): \(f.medianMs) ms") }
            #expect(figures[0].rows == ClientSearch.pageSize + 1)
            #expect(figures[0].plan.contains("users_trader_created"))
            #expect(figures[1].plan.contains("users_trader_created"))
        }
    }
}
