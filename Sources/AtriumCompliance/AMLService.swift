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
    let logger: Logger

    public init(engine: AMLEngine, interval: Duration = .seconds(10), logger: Logger,
                brands: @escaping @Sendable () async throws -> [(handle: TenantHandle, config: TenantConfig)]) {
        self.engine = engine
        self.brands = brands
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            for (handle, brand) in (try? await brands()) ?? [] {
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                do {
                    _ = try await cancelWhenGracefulShutdown { try await engine.runUntilCaughtUp(tenant: handle, brand: brand) }
                } catch {
                    if Task.isShuttingDownGracefully || Task.isCancelled { return }
                    logger.warning("aml engine failed", metadata: ["tenant": "\(handle.slug)", "error": "\(error)"])
                }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
