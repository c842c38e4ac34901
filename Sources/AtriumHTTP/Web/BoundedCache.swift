import Metrics
import Synchronization

/// A thread-safe least-recently-used cache holding at most `capacity` entries, counted in
/// `/metrics` under its `name`: `atrium_cache_entries`, `atrium_cache_hits_total`,
/// `atrium_cache_misses_total` and `atrium_cache_evictions_total`, each labelled `cache="<name>"`.
/// Memory that grows with the number of tenants goes in one of these, never in a plain dictionary.
public final class BoundedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// The cache's label in `/metrics`.
    public let name: String
    /// The most entries kept; inserting one more evicts the least recently used.
    public let capacity: Int

    struct Slot {
        var value: Value
        var lastUse: UInt64
    }

    struct State {
        var slots: [Key: Slot] = [:]
        var clock: UInt64 = 0
        var hits = 0
        var misses = 0
        var evictions = 0
    }

    private let state = Mutex(State())
    // Handles are made once: making one per lookup would take the metrics factory's lock each time.
    private let entriesGauge: Gauge
    private let hitsCounter: Counter
    private let missesCounter: Counter
    private let evictionsCounter: Counter

    /// Entry, hit, miss and eviction figures of one cache (also what `/metrics` shows).
    public struct Stats: Sendable, Equatable {
        public let entries: Int
        public let hits: Int
        public let misses: Int
        public let evictions: Int
    }

    /// `capacity` below 1 is raised to 1: a cache that can hold nothing would recompute on every call.
    public init(name: String, capacity: Int) {
        // The Prometheus factory must be in place before the handles are made, or they count nowhere.
        AtriumMetrics.bootstrap()
        self.name = name
        self.capacity = max(1, capacity)
        let label = [("cache", name)]
        entriesGauge = Gauge(label: "atrium_cache_entries", dimensions: label)
        hitsCounter = Counter(label: "atrium_cache_hits_total", dimensions: label)
        missesCounter = Counter(label: "atrium_cache_misses_total", dimensions: label)
        evictionsCounter = Counter(label: "atrium_cache_evictions_total", dimensions: label)
        entriesGauge.record(0)
    }

    /// The cached value for `key`, or `make()`'s result, stored (evicting the least recently used
    /// entry when full). `make` runs outside the lock, so two callers missing at once may both build;
    /// the second store wins, which is harmless for values that are pure functions of the key.
    public func value(for key: Key, make: () throws -> Value) rethrows -> Value {
        if let hit = lookup(key) { return hit }
        let value = try make()
        store(value, for: key)
        return value
    }

    /// The cached value for `key` (counted as a hit or a miss).
    public func lookup(_ key: Key) -> Value? {
        let found = state.withLock { s -> Value? in
            s.clock &+= 1
            guard var slot = s.slots[key] else {
                s.misses += 1
                return nil
            }
            slot.lastUse = s.clock
            s.slots[key] = slot
            s.hits += 1
            return slot.value
        }
        if found == nil { missesCounter.increment() } else { hitsCounter.increment() }
        return found
    }

    /// Stores `value` under `key`, evicting the least recently used entry when full.
    public func store(_ value: Value, for key: Key) {
        let (evicted, count) = state.withLock { s -> (Int, Int) in
            s.clock &+= 1
            var evicted = 0
            if s.slots[key] == nil, s.slots.count >= capacity {
                // A linear scan: the caches are small (tens to hundreds) and an eviction is rare next to a hit.
                if let oldest = s.slots.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
                    s.slots[oldest] = nil
                    evicted = 1
                }
            }
            s.slots[key] = Slot(value: value, lastUse: s.clock)
            s.evictions += evicted
            return (evicted, s.slots.count)
        }
        if evicted > 0 { evictionsCounter.increment(by: Int64(evicted)) }
        entriesGauge.record(count)
    }

    /// Drops every entry (not counted as evictions).
    public func removeAll() {
        state.withLock { $0.slots = [:] }
        entriesGauge.record(0)
    }

    /// Whether `key` is cached, without counting a hit or a miss or refreshing its age.
    public func contains(_ key: Key) -> Bool { state.withLock { $0.slots[key] != nil } }

    /// The current figures.
    public var stats: Stats {
        state.withLock { Stats(entries: $0.slots.count, hits: $0.hits, misses: $0.misses, evictions: $0.evictions) }
    }
}
