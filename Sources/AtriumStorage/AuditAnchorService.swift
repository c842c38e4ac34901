import Foundation
import Logging
import ServiceLifecycle

/// Anchors every tenant's audit chain head at an interval (see `AuditAnchors`), so rows removed
/// from a chain's tail are detected by the next verification. With `activity`, a tenant whose
/// `audit_log` had no insert since its last anchor is skipped until its sweep is due: its head has
/// not moved, so the last anchor still pins it. At 10,000 brands that is two transactions per
/// brand every ten minutes instead of every five.
public struct AuditAnchorService: Service {
    let tenantDB: TenantDB
    let tenants: @Sendable () async throws -> [TenantHandle]
    let interval: Duration
    let activity: TableActivity?
    let logger: Logger

    /// The table whose inserts move a chain's head.
    public static let watchedTables = ["audit_log"]

    public init(tenantDB: TenantDB, interval: Duration = .seconds(300), activity: TableActivity? = nil, logger: Logger,
                tenants: @escaping @Sendable () async throws -> [TenantHandle]) {
        self.tenantDB = tenantDB
        self.tenants = tenants
        self.interval = interval
        self.activity = activity
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await anchorAll()
            // Wakes at once on graceful shutdown instead of sleeping out the interval.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// One pass over every tenant that is due; a failing tenant is logged and the rest carry on.
    public func anchorAll() async {
        await anchorAll(pass: await ActivityPass(activity))
    }

    /// One pass with the counters read at its start.
    func anchorAll(pass: ActivityPass) async {
        let list: [TenantHandle]
        do {
            list = try await tenants()
        } catch {
            logger.error("audit anchoring: cannot list tenants", metadata: ["error": "\(error)"])
            return
        }
        for tenant in list where !Task.isCancelled {
            do {
                try await pass.ifDue(tenant.schema.name) { try await AuditAnchors.anchor(tenant, tenantDB: tenantDB) }
            } catch is CancellationError {
                return  // shutting down: the next start anchors again
            } catch {
                logger.error("audit anchoring failed", metadata: ["tenant": "\(tenant.slug)", "error": "\(error)"])
            }
        }
    }
}
