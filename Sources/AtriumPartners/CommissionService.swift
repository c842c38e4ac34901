import AtriumBrandConfig
import AtriumStorage
import AtriumTrading
import Foundation
import Logging
import ServiceLifecycle

/// The recurring commission job: every `interval`, each active brand's new deals are consumed
/// until caught up. Several processes may run it at once (see `CommissionEngine`).
public struct CommissionService: Service {
    let engine: CommissionEngine
    let brands: any TradingBrands
    let interval: Duration
    let activity: TableActivity?
    let logger: Logger

    /// With `activity`, a tick runs only the brands whose deals changed (and each brand at least
    /// once per sweep); without it, every brand every tick.
    public init(engine: CommissionEngine, brands: any TradingBrands, interval: Duration = .seconds(5), activity: TableActivity? = nil, logger: Logger) {
        self.engine = engine
        self.brands = brands
        self.interval = interval
        self.activity = activity
        self.logger = logger
    }

    /// The tables whose changes the engine reads.
    public static let watchedTables = ["platform_deals"]

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let pass = await ActivityPass(activity)
            for (handle, brand) in (try? await brands.activeBrands()) ?? [] {
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                do {
                    // One batch per transaction: shutdown between batches loses nothing (the cursor moves with the lines).
                    try await pass.ifDue(handle.schema.name) { _ = try await cancelWhenGracefulShutdown { try await engine.runUntilCaughtUp(tenant: handle, brand: brand) } }
                } catch {
                    if Task.isShuttingDownGracefully || Task.isCancelled { return }
                    logger.warning("commission engine failed", metadata: ["tenant": "\(handle.slug)", "error": "\(error)"])
                }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
