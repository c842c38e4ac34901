import AtriumStorage
import Foundation
import Logging
import ServiceLifecycle

/// Something that performs jobs of some kinds.
public protocol JobHandler: Sendable {
    var kinds: [String] { get }
    func perform(_ job: Job) async throws
}

/// A Service that polls the queue and runs handlers; stops between jobs on graceful shutdown.
public struct JobWorker: Service {
    let queue: JobQueue
    let handlers: [String: any JobHandler]
    let name: String
    let idleDelay: Duration
    let logger: Logger

    public init(queue: JobQueue, handlers: [any JobHandler], name: String = "worker-\(ProcessInfo.processInfo.processIdentifier)",
                idleDelay: Duration = .milliseconds(500), logger: Logger) {
        self.queue = queue
        var map: [String: any JobHandler] = [:]
        for h in handlers { for k in h.kinds { map[k] = h } }
        self.handlers = map
        self.name = name
        self.idleDelay = idleDelay
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let worked = (try? await runOnce()) ?? false
            if !worked {
                try? await Task.sleep(for: idleDelay)
            }
        }
    }

    /// Claims and performs at most one job; returns whether there was one.
    @discardableResult
    public func runOnce() async throws -> Bool {
        guard let job = try await queue.claim(kinds: Array(handlers.keys), worker: name) else { return false }
        guard let handler = handlers[job.kind] else { return true }
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
        return true
    }
}
