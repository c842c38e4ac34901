import AtriumStorage
import Foundation

/// The sync scheduler's state: every connection's entry, and the waiting ones in a min-heap by due
/// time, so starting the next due connection costs O(log n) instead of a scan and sort of every
/// connection on each event (which, at 1,000 connections, was most of the idle server's CPU).
///
/// Each connection has its own interval: after a pass that found no new deal it doubles, up to
/// `maxInterval`; a pass that found deals, a pass cut short, or activity on the brand (`wake`)
/// brings it back to `interval`. So a quiet connection costs one platform call per `maxInterval`,
/// and a busy one keeps the short interval.
struct SyncSchedule {
    /// The short interval, and the first one after activity.
    let interval: Duration
    /// The longest interval a quiet connection backs off to.
    let maxInterval: Duration
    private(set) var entries: [TradingSyncService.Key: TradingSyncService.Entry] = [:]
    /// Waiting connections by due time. An element whose entry is gone, running or due at another
    /// time is stale (left behind by `remove`, `start` or `wake`) and skipped when it surfaces.
    private var heap: [Waiting] = []
    private(set) var running = 0

    struct Waiting {
        let due: ContinuousClock.Instant
        let key: TradingSyncService.Key
    }

    init(interval: Duration, maxInterval: Duration) {
        self.interval = interval
        self.maxInterval = max(interval, maxInterval)
    }

    /// Adds a connection, due at `due`, with the short interval.
    mutating func add(_ key: TradingSyncService.Key, tenant: TenantHandle, slug: String, due: ContinuousClock.Instant) {
        entries[key] = TradingSyncService.Entry(tenant: tenant, slug: slug, connectionID: key.connectionID, due: due, interval: interval)
        push(Waiting(due: due, key: key))
    }

    /// Forgets a connection; a pass of it still running finishes (and holds its slot until then)
    /// and is not scheduled again.
    mutating func remove(_ key: TradingSyncService.Key) {
        entries[key] = nil
    }

    /// The connections to start now, most overdue first, at most `slots`; each is marked running.
    mutating func start(now: ContinuousClock.Instant, slots: Int) -> [(TradingSyncService.Key, TradingSyncService.Entry)] {
        var out: [(TradingSyncService.Key, TradingSyncService.Entry)] = []
        while out.count < slots, let top = nextWaiting(), top.due <= now {
            pop()
            entries[top.key]?.running = true
            running += 1
            if let entry = entries[top.key] { out.append((top.key, entry)) }
        }
        return out
    }

    /// When the next waiting connection falls due; nil when none waits.
    mutating func nextDue() -> ContinuousClock.Instant? { nextWaiting()?.due }

    /// Records the end of a pass started by `start` (once per pass) and schedules the connection's next one. Returns the delay of a
    /// failed pass's retry (for the log), nil otherwise.
    @discardableResult
    mutating func finish(_ key: TradingSyncService.Key, _ outcome: TradingSyncService.Outcome, now: ContinuousClock.Instant) -> Duration? {
        running -= 1
        guard var entry = entries[key], entry.running else { return nil }
        entry.running = false
        var retry: Duration?
        switch outcome {
        case let .synced(pass, memo):
            entry.failures = 0
            entry.memo = memo
            // Something new, or more left to read: the short interval. Nothing new: back off.
            entry.interval = pass.deals > 0 || !pass.caughtUp ? interval : min(maxInterval, entry.interval * 2)
            entry.due = pass.caughtUp ? now + entry.interval : now
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
            retry = delay
        }
        entries[key] = entry
        push(Waiting(due: entry.due, key: key))
        return retry
    }

    /// Activity on the brand of `tenants` (a new account, a transfer, a deposit): their connections
    /// go back to the short interval and are due at once (a running one keeps running; its next
    /// interval is the short one unless that pass is quiet again).
    mutating func wake(tenants: Set<UUID>, now: ContinuousClock.Instant) {
        guard !tenants.isEmpty else { return }
        for (key, entry) in entries where tenants.contains(key.tenant) {
            entries[key]?.interval = interval
            guard !entry.running, entry.due > now else { continue }
            entries[key]?.due = now
            push(Waiting(due: now, key: key))
        }
    }

    private func isLive(_ w: Waiting) -> Bool {
        guard let entry = entries[w.key] else { return false }
        return !entry.running && entry.due == w.due
    }

    /// The earliest live waiting element, dropping stale ones from the top.
    private mutating func nextWaiting() -> Waiting? {
        while let top = heap.first {
            if isLive(top) { return top }
            pop()
        }
        return nil
    }

    private mutating func push(_ w: Waiting) {
        heap.append(w)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].due < heap[parent].due else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func pop() {
        guard !heap.isEmpty else { return }
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count && heap[left].due < heap[smallest].due { smallest = left }
            if right < heap.count && heap[right].due < heap[smallest].due { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
