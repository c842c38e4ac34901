import AtriumBrandConfig
import AtriumStorage
import Foundation
import Logging
import ServiceLifecycle

/// Schedules platform sync fairly over every (brand, connection) in the registry. Each connection
/// has its own next due time (its interval after a pass, its own backoff after a failure), at most
/// `concurrency` passes run at once over all connections, and the most overdue connection starts
/// first, so a slow or failing connection never delays the others. A connection whose passes find
/// no new deal backs off from `interval` to `maxInterval` (doubling); new deals or activity on its
/// brand (rows inserted in `activity`'s tables, read every `refreshEvery`) bring it back to
/// `interval` (`SyncSchedule`). Brands and connections added or removed are picked up every
/// `refreshEvery`; a removed one is not synced again.
public struct TradingSyncService: Service {
    let trading: Trading
    let registry: any TradingBrands
    let interval: Duration
    let maxInterval: Duration
    let concurrency: Int
    let refreshEvery: Duration
    let heartbeat: Duration
    let activity: TableActivity?
    let logger: Logger

    /// The tables whose inserts mean activity on a brand that sync should follow closely: a new
    /// trading account, a transfer to or from one, a deposit or withdrawal.
    public static let activityTables = ["trading_accounts", "trading_transfers", "payments"]

    public init(trading: Trading, registry: any TradingBrands, interval: Duration = .seconds(5), maxInterval: Duration = .seconds(120),
                concurrency: Int = 4, refreshEvery: Duration = .seconds(10), heartbeat: Duration = .seconds(600),
                activity: TableActivity? = nil, logger: Logger) {
        self.trading = trading
        self.registry = registry
        self.interval = interval
        self.maxInterval = max(interval, maxInterval)
        self.concurrency = max(1, concurrency)
        self.refreshEvery = refreshEvery
        self.heartbeat = heartbeat
        self.activity = activity
        self.logger = logger
    }

    struct Key: Hashable, Sendable {
        let tenant: UUID
        let connectionID: String
    }

    struct Entry: Sendable {
        let tenant: TenantHandle
        let slug: String
        let connectionID: String
        var due: ContinuousClock.Instant
        /// The pause after the next quiet pass is twice this (up to the maximum).
        var interval: Duration
        var failures = 0
        var running = false
        var memo = SyncMemo()
    }

    enum Outcome: Sendable {
        case synced(SyncPass, SyncMemo)
        case failed(any Error)
        case gone
    }

    enum Event: Sendable {
        case tick
        case done(Key, Outcome)
    }

    public func run() async throws {
        // Passes are child tasks: on graceful shutdown each is cancelled and the service returns
        // only when they have all stopped, so none keeps using the pool after it has shut down.
        await withTaskGroup(of: Event.self) { group in
            var schedule = SyncSchedule(interval: interval, maxInterval: maxInterval)
            var inserts: [String: Int64]?
            var nextRefresh = ContinuousClock.now
            var timer: ContinuousClock.Instant?
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                var now = ContinuousClock.now
                if now >= nextRefresh {
                    await refresh(&schedule, inserts: &inserts, now: now)
                    now = ContinuousClock.now
                    nextRefresh = now + refreshEvery
                }
                for (key, entry) in schedule.start(now: now, slots: concurrency - schedule.running) {
                    group.addTask { .done(key, await pass(entry)) }
                }
                // Sleep until the next connection falls due (when a slot is free) or the next refresh.
                var wake = nextRefresh
                if schedule.running < concurrency, let due = schedule.nextDue() { wake = min(wake, due) }
                if timer.map({ wake < $0 }) ?? true {
                    timer = wake
                    let until = wake
                    group.addTask {
                        try? await cancelWhenGracefulShutdown { try await Task.sleep(until: until, clock: .continuous) }
                        return .tick
                    }
                }
                guard let event = await group.next() else { break }
                switch event {
                case .tick:
                    if let t = timer, ContinuousClock.now >= t { timer = nil }
                case let .done(key, outcome):
                    // A connection removed while its pass ran is simply not scheduled again.
                    let slug = schedule.entries[key]?.slug
                    if let retry = schedule.finish(key, outcome, now: ContinuousClock.now), case let .failed(error) = outcome,
                       !Task.isCancelled, !Task.isShuttingDownGracefully {
                        logger.warning("trading sync failed", metadata: ["tenant": "\(slug ?? "")", "connection": "\(key.connectionID)", "error": "\(error)",
                                                                         "retry_in": "\(retry)"])
                    }
                }
            }
            group.cancelAll()
        }
    }

    /// Adds the connections that appeared (due at once), drops those that went away, and wakes
    /// the connections of brands with new rows in the activity tables since the last refresh.
    func refresh(_ schedule: inout SyncSchedule, inserts: inout [String: Int64]?, now: ContinuousClock.Instant) async {
        guard let brands = try? await registry.activeBrands() else { return }
        var wanted: Set<Key> = []
        var bySchema: [String: UUID] = [:]
        for (handle, brand) in brands {
            for c in brand.platforms ?? [] {
                let key = Key(tenant: handle.id, connectionID: c.id)
                wanted.insert(key)
                bySchema[handle.schema.name] = handle.id
                if schedule.entries[key] == nil { schedule.add(key, tenant: handle, slug: brand.slug.value, due: now) }
            }
        }
        for key in schedule.entries.keys where !wanted.contains(key) { schedule.remove(key) }
        guard let activity, let counters = await activity.counters() else { return }
        if let before = inserts {
            let moved = counters.compactMap { schema, count in before[schema] != count ? bySchema[schema] : nil }
            schedule.wake(tenants: Set(moved), now: now)
        }
        inserts = counters
    }

    func pass(_ entry: Entry) async -> Outcome {
        do {
            // The brand file may change while we run: read it each pass.
            guard let brand = try await registry.brand(slug: entry.slug) else { return .gone }
            // A pass stores page by page, so one cut short by shutdown resumes from its last page.
            let (pass, memo) = try await cancelWhenGracefulShutdown {
                try await trading.syncPass(tenant: entry.tenant, brand: brand, connectionID: entry.connectionID, memo: entry.memo, heartbeat: heartbeat)
            }
            return .synced(pass, memo)
        } catch {
            return .failed(error)
        }
    }

    /// Sleeps for `duration`, waking early on graceful shutdown or cancellation.
    static func pause(_ duration: Duration) async {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
    }
}
