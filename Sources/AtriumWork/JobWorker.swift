import AtriumStorage
import Foundation
import Logging
import ServiceLifecycle

/// Something that performs jobs of some kinds.
public protocol JobHandler: Sendable {
    var kinds: [String] { get }
    func perform(_ job: Job) async throws
}

/// A Service that runs handlers for queued jobs. It wakes on `NOTIFY` (see `JobWakeups`), when the
/// next delayed job falls due, and at the latest every `pollInterval` (the backstop for a lost
/// notification); it stops between jobs on graceful shutdown.
public struct JobWorker: Service {
    let queue: JobQueue
    let handlers: [String: any JobHandler]
    let name: String
    let pollInterval: Duration
    let wakeups: JobWakeups?
    let logger: Logger

    public init(queue: JobQueue, handlers: [any JobHandler], name: String = "worker-\(ProcessInfo.processInfo.processIdentifier)",
                pollInterval: Duration = .seconds(10), wakeups: JobWakeups? = nil, logger: Logger) {
        self.queue = queue
        var map: [String: any JobHandler] = [:]
        for h in handlers { for k in h.kinds { map[k] = h } }
        self.handlers = map
        self.name = name
        self.pollInterval = pollInterval
        self.wakeups = wakeups
        self.logger = logger
    }

    public func run() async throws {
        let signal = WakeSignal()
        await withDiscardingTaskGroup { group in
            if let wakeups { group.addTask { await wakeups.run(signal) } }
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                var wait = pollInterval
                do {
                    let (worked, dueIn) = try await step()
                    if worked { continue }
                    if let dueIn { wait = min(wait, .milliseconds(Int64(max(0.1, dueIn) * 1000))) }
                } catch {
                    // The database is away: try again soon, not at once.
                    logger.warning("job worker: claim failed", metadata: ["error": "\(error)"])
                    wait = min(wait, .seconds(1))
                }
                let timeout = wait
                await cancelWhenGracefulShutdown { await signal.wait(timeout: timeout) }
            }
            group.cancelAll()
        }
    }

    /// Claims and performs at most one job; returns whether there was one.
    @discardableResult
    public func runOnce() async throws -> Bool {
        guard let job = try await queue.claim(kinds: Array(handlers.keys), worker: name) else { return false }
        try await perform(job)
        return true
    }

    /// One claim: performs the job, or says when the next one falls due.
    private func step() async throws -> (worked: Bool, dueIn: Double?) {
        let (job, dueIn) = try await queue.claimOrNextDue(kinds: Array(handlers.keys), worker: name)
        guard let job else { return (false, dueIn) }
        try await perform(job)
        return (true, nil)
    }

    private func perform(_ job: Job) async throws {
        guard let handler = handlers[job.kind] else { return }
        do {
            try await handler.perform(job)
            try await queue.complete(job)
        } catch let failure as PermanentJobFailure {
            CorruptValues.report(CorruptValue(kind: "job_payload", table: "platform.jobs", id: "\(job.id)", value: job.payload),
                                 tenant: job.tenantID?.uuidString.lowercased() ?? "-", logger: logger)
            try await queue.fail(job, error: failure.reason, permanent: true)
        } catch {
            logger.warning("job failed", metadata: ["job": "\(job.id)", "kind": "\(job.kind)", "error": "\(error)"])
            try await queue.fail(job, error: "\(error)")
        }
    }
}
