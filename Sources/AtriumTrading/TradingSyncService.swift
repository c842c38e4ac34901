import AtriumBrandConfig
import AtriumStorage
import Foundation
import Logging
import ServiceLifecycle

/// Schedules platform sync fairly over every (brand, connection) in the registry. Each connection
/// has its own next due time (its interval after a pass, its own backoff after a failure), at most
/// `concurrency` passes run at once over all connections, and the most overdue connection starts
/// first, so a slow or failing connection never delays the others. Brands and connections added
/// or removed are picked up every `refreshEvery`; a removed one is not synced again.
public struct TradingSyncService: Service {
    let trading: Trading
    let registry: any TradingBrands
    let interval: Duration
    let concurrency: Int
    let refreshEvery: Duration
    let heartbeat: Duration
    let logger: Logger

    public init(trading: Trading, registry: any TradingBrands, interval: Duration = .seconds(5), concurrency: Int = 4,
                refreshEvery: Duration = .seconds(10), heartbeat: Duration = .seconds(600), logger: Logger) {
        self.trading = trading
        self.registry = registry
        self.interval = interval
        self.concurrency = max(1, concurrency)
        self.refreshEvery = refreshEvery
        self.heartbeat = heartbeat
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
            var entries: [Key: Entry] = [:]
            var running = 0
            var nextRefresh = ContinuousClock.now
            var timer: ContinuousClock.Instant?
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                var now = ContinuousClock.now
                if now >= nextRefresh {
                    await refresh(&entries, now: now)
                    now = ContinuousClock.now
                    nextRefresh = now + refreshEvery
                }
                for key in Self.pick(entries, now: now, slots: concurrency - running) {
                    guard let entry = entries[key] else { continue }
                    entries[key]?.running = true
                    running += 1
                    group.addTask { .done(key, await pass(entry)) }
                }
                // Sleep until the next connection falls due (when a slot is free) or the next refresh.
                var wake = nextRefresh
                if running < concurrency, let due = entries.values.filter({ !$0.running }).map(\.due).min() { wake = min(wake, due) }
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
                    running -= 1
                    // A connection removed while its pass ran is simply not scheduled again.
                    if var entry = entries[key] {
                        apply(outcome, to: &entry)
                        entries[key] = entry
                    }
                }
            }
            group.cancelAll()
        }
    }

    /// The keys to start now: due, not running, most overdue first, at most `slots`.
    static func pick(_ entries: [Key: Entry], now: ContinuousClock.Instant, slots: Int) -> [Key] {
        guard slots > 0 else { return [] }
        return entries.filter { !$0.value.running && $0.value.due <= now }
            .sorted { $0.value.due < $1.value.due }
            .prefix(slots).map(\.key)
    }

    /// Adds the connections that appeared (due at once) and drops those that went away.
    func refresh(_ entries: inout [Key: Entry], now: ContinuousClock.Instant) async {
        guard let brands = try? await registry.activeBrands() else { return }
        var wanted: Set<Key> = []
        for (handle, brand) in brands {
            for c in brand.platforms ?? [] {
                let key = Key(tenant: handle.id, connectionID: c.id)
                wanted.insert(key)
                if entries[key] == nil {
                    entries[key] = Entry(tenant: handle, slug: brand.slug.value, connectionID: c.id, due: now)
                }
            }
        }
        for key in entries.keys where !wanted.contains(key) { entries[key] = nil }
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

    func apply(_ outcome: Outcome, to entry: inout Entry) {
        let now = ContinuousClock.now
        entry.running = false
        switch outcome {
        case let .synced(pass, memo):
            entry.failures = 0
            entry.memo = memo
            entry.due = pass.caughtUp ? now + interval : now
        case .gone:
            entry.due = now + interval
        case let .failed(error):
            entry.failures += 1
            entry.memo = SyncMemo()
            let delay: Duration
            if case PlatformError.rateLimited(let seconds) = error { delay = .seconds(max(1, seconds)) } else {
                delay = .seconds(min(300, 5 << min(entry.failures, 6)))
            }
            entry.due = now + delay
            if Task.isCancelled || Task.isShuttingDownGracefully { return }
            logger.warning("trading sync failed", metadata: ["tenant": "\(entry.slug)", "connection": "\(entry.connectionID)", "error": "\(error)", "retry_in": "\(delay)"])
        }
    }

    /// Sleeps for `duration`, waking early on graceful shutdown or cancellation.
    static func pause(_ duration: Duration) async {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
    }
}
