import Foundation
import Logging
import ServiceLifecycle

/// A Service that runs `body` now and then every `interval` until shutdown (settlement sweeps and
/// similar periodic jobs). A failing pass is logged and retried at the next tick; passes never overlap.
public struct RecurringService: Service {
    let name: String
    let interval: Duration
    let logger: Logger
    let body: @Sendable () async throws -> Void

    public init(name: String, every interval: Duration, logger: Logger, _ body: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.interval = interval
        self.logger = logger
        self.body = body
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await body()
            } catch {
                logger.warning("recurring job failed", metadata: ["job": "\(name)", "error": "\(error)"])
            }
            // Graceful shutdown cancels the sleep, so the service stops between passes.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
