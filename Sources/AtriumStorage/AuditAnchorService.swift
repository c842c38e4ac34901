import Foundation
import Logging
import ServiceLifecycle

/// Anchors every tenant's audit chain head at an interval (see `AuditAnchors`), so rows removed
/// from a chain's tail are detected by the next verification.
public struct AuditAnchorService: Service {
    let tenantDB: TenantDB
    let tenants: @Sendable () async throws -> [TenantHandle]
    let interval: Duration
    let logger: Logger

    public init(tenantDB: TenantDB, interval: Duration = .seconds(300), logger: Logger,
                tenants: @escaping @Sendable () async throws -> [TenantHandle]) {
        self.tenantDB = tenantDB
        self.tenants = tenants
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await anchorAll()
            // Wakes at once on graceful shutdown instead of sleeping out the interval.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// One pass over every tenant; a failing tenant is logged and the rest carry on.
    public func anchorAll() async {
        let list: [TenantHandle]
        do {
            list = try await tenants()
        } catch {
            logger.error("audit anchoring: cannot list tenants", metadata: ["error": "\(error)"])
            return
        }
        for tenant in list where !Task.isCancelled {
            do {
                try await AuditAnchors.anchor(tenant, tenantDB: tenantDB)
            } catch is CancellationError {
                return  // shutting down: the next start anchors again
            } catch {
                logger.error("audit anchoring failed", metadata: ["tenant": "\(tenant.slug)", "error": "\(error)"])
            }
        }
    }
}
