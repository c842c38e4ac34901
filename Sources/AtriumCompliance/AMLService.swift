import AtriumBrandConfig
import AtriumStorage
import Foundation
import Logging
import ServiceLifecycle

/// Runs the AML engine for every active brand every few seconds, outside any request or payment.
public struct AMLService: Service {
    let engine: AMLEngine
    let brands: @Sendable () async throws -> [(handle: TenantHandle, config: TenantConfig)]
    let interval: Duration
    let activity: TableActivity?
    let logger: Logger

    /// With `activity`, a tick runs only the brands whose payments or sessions changed (and each
    /// brand at least once per sweep); without it, every brand every tick.
    public init(engine: AMLEngine, interval: Duration = .seconds(10), activity: TableActivity? = nil, logger: Logger,
                brands: @escaping @Sendable () async throws -> [(handle: TenantHandle, config: TenantConfig)]) {
        self.engine = engine
        self.brands = brands
        self.interval = interval
        self.activity = activity
        self.logger = logger
    }

    /// The tables whose changes the engine reads.
    public static let watchedTables = ["payment_events", "payments", "sessions"]

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let pass = await ActivityPass(activity)
            for (handle, brand) in (try? await brands()) ?? [] {
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                do {
                    try await pass.ifDue(handle.schema.name) { _ = try await cancelWhenGracefulShutdown { try await engine.runUntilCaughtUp(tenant: handle, brand: brand) } }
                } catch {
                    if Task.isShuttingDownGracefully || Task.isCancelled { return }
                    logger.warning("aml engine failed", metadata: ["tenant": "\(handle.slug)", "error": "\(error)"])
                }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
