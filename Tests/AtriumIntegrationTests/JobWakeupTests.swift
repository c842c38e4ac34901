import AtriumCore
import AtriumHTTP
import AtriumStorage
import AtriumWork
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// Jobs wake on `LISTEN/NOTIFY`, with a slow poll as the backstop. The poll interval is made
/// long (60 s) wherever a test shows that a job ran without waiting for it.
@Suite("Job wake-ups on NOTIFY", .timeLimit(.minutes(3)))
struct JobWakeupTests {
    final class Seen: Sendable {
        let ids = Mutex<[Int64]>([])
        var count: Int { ids.withLock { $0.count } }
    }

    struct Recorder: JobHandler {
        let kinds = ["test.wake"]
        let seen: Seen
        func perform(_ job: Job) async throws { seen.ids.withLock { $0.append(job.id) } }
    }

    /// Runs a worker in the background for the length of `body`.
    static func withWorker<R: Sendable>(_ worker: JobWorker, _ body: @Sendable () async throws -> R) async throws -> R {
        try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask { try await worker.run(); return nil }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    /// Waits up to `seconds` for `condition`; returns whether it came true.
    static func eventually(_ seconds: Double, _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    /// Expects `condition` to come true within `seconds`.
    static func expectEventually(_ seconds: Double, sourceLocation: SourceLocation = #_sourceLocation,
                                 _ condition: @Sendable () async throws -> Bool) async throws {
        let reached = try await eventually(seconds, condition)
        #expect(reached, "not reached within \(seconds) s", sourceLocation: sourceLocation)
    }

    static func pending(_ s: AppServices) async throws -> Int {
        try await s.database.platform { conn in
            try await conn.query("SELECT count(*) FROM platform.jobs WHERE done_at IS NULL AND kind = 'test.wake'", logger: s.logger).collect().first?.decode(Int.self) ?? -1
        }
    }

    @Test("an enqueued job is performed within seconds although the poll interval is 60 s")
    func notifyWakesWorker() async throws {
        try await TestEnv.with("jobwake") { s in
            let seen = Seen()
            let wakeups = JobWakeups(database: s.database, logger: s.logger)
            let worker = JobWorker(queue: s.jobs, handlers: [Recorder(seen: seen)], pollInterval: .seconds(60), wakeups: wakeups, logger: s.logger)
            try await Self.withWorker(worker) {
                try await JobWakeupTests.expectEventually(10) { wakeups.mode == .listening }
                // The worker has made its first claim and sleeps for the 60 s poll now.
                try await Task.sleep(for: .milliseconds(500))
                try await s.jobs.enqueue(JobRequest(kind: "test.wake", payload: "{}"))
                try await JobWakeupTests.expectEventually(5) { seen.count == 1 }
                // A second one, enqueued from a tenant transaction (the outbox path), wakes it too.
                let t = try await s.makeTenant("wake")
                try await s.tenantDB.transaction(t.handle) { tx in tx.enqueue(JobRequest(kind: "test.wake", payload: #"{"n":2}"#)) }
                try await JobWakeupTests.expectEventually(5) { seen.count == 2 }
            }
            #expect(try await Self.pending(s) == 0)
        }
    }

    @Test("the backstop poll performs a job inserted without a notification")
    func backstopPoll() async throws {
        try await TestEnv.with("jobpoll") { s in
            let seen = Seen()
            let wakeups = JobWakeups(database: s.database, logger: s.logger)
            let worker = JobWorker(queue: s.jobs, handlers: [Recorder(seen: seen)], pollInterval: .seconds(2), wakeups: wakeups, logger: s.logger)
            try await Self.withWorker(worker) {
                try await JobWakeupTests.expectEventually(10) { wakeups.mode == .listening }
                try await Task.sleep(for: .milliseconds(300))
                // Inserted as a lost notification would leave it: no pg_notify.
                try await s.database.platform { conn in
                    try await conn.query("INSERT INTO platform.jobs (kind, payload, run_at) VALUES ('test.wake', '{}'::jsonb, now())", logger: s.logger)
                }
                try await JobWakeupTests.expectEventually(10) { seen.count == 1 }
            }
            #expect(try await Self.pending(s) == 0)
        }
    }

    @Test("a delayed job runs when it falls due, not at the next 60 s poll")
    func delayedJobRunsWhenDue() async throws {
        try await TestEnv.with("jobdelay") { s in
            let seen = Seen()
            let wakeups = JobWakeups(database: s.database, logger: s.logger)
            let worker = JobWorker(queue: s.jobs, handlers: [Recorder(seen: seen)], pollInterval: .seconds(60), wakeups: wakeups, logger: s.logger)
            try await Self.withWorker(worker) {
                try await JobWakeupTests.expectEventually(10) { wakeups.mode == .listening }
                try await s.jobs.enqueue(JobRequest(kind: "test.wake", payload: "{}", delaySeconds: 2))
                try await Task.sleep(for: .milliseconds(500))
                #expect(seen.count == 0) // not due yet
                try await JobWakeupTests.expectEventually(8) { seen.count == 1 }
            }
        }
    }

    @Test("when notifications never arrive (as behind a pooler), the worker polls and says so")
    func fallsBackToPolling() async throws {
        try await TestEnv.with("jobfallback") { s in
            // NOTIFY is per database: listening on another database never hears this one's probe,
            // which is what a pooler in transaction mode does to a listener.
            let other = try await TestCluster.shared.superuserURL(database: "postgres")
            let seen = Seen()
            let wakeups = JobWakeups(database: s.database, url: other, probeTimeout: .seconds(1), logger: s.logger)
            let worker = JobWorker(queue: s.jobs, handlers: [Recorder(seen: seen)], pollInterval: .seconds(1), wakeups: wakeups, logger: s.logger)
            try await Self.withWorker(worker) {
                try await JobWakeupTests.expectEventually(10) { wakeups.mode == .polling }
                try await s.jobs.enqueue(JobRequest(kind: "test.wake", payload: "{}"))
                try await JobWakeupTests.expectEventually(10) { seen.count == 1 }
            }
        }
    }
}
