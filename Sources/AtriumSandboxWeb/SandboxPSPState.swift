import Foundation

/// What the sandbox PSP remembers, bounded by age and count so a long-running demo (or anyone
/// creating sessions in a loop) cannot grow it without limit.
public struct SandboxPSPState: Sendable {
    /// How long and how many sessions and payouts are kept.
    public struct Limits: Sendable {
        public var maxAge: TimeInterval
        public var maxEntries: Int

        public init(maxAge: TimeInterval = 24 * 3600, maxEntries: Int = 1_000) {
            self.maxAge = maxAge
            self.maxEntries = maxEntries
        }
    }

    struct Payout: Sendable {
        let id: String
        let createdAt: Date
    }

    let limits: Limits
    var sessions: [String: SandboxPSP.Session] = [:]
    /// Idempotency key -> payout.
    var payouts: [String: Payout] = [:]
    var log: [String] = []
    var failCheckouts = false
    var failPayouts = false
    var latencyMilliseconds = 0

    init(limits: Limits) { self.limits = limits }

    mutating func add(_ session: SandboxPSP.Session, now: Date) {
        sessions[session.id] = session
        prune(now: now)
    }

    /// The payout of `idempotencyKey`, created now unless it exists (then `isNew` is false).
    mutating func payout(idempotencyKey: String, now: Date) -> (id: String, isNew: Bool) {
        if let existing = payouts[idempotencyKey] { return (existing.id, false) }
        let id = SandboxPSP.newID("po_test")
        payouts[idempotencyKey] = Payout(id: id, createdAt: now)
        prune(now: now)
        return (id, true)
    }

    /// Drops entries older than `maxAge`, then the oldest beyond `maxEntries`.
    mutating func prune(now: Date) {
        let cutoff = now.addingTimeInterval(-limits.maxAge)
        sessions = sessions.filter { $0.value.createdAt >= cutoff }
        payouts = payouts.filter { $0.value.createdAt >= cutoff }
        if sessions.count > limits.maxEntries {
            let drop = sessions.values.sorted { $0.createdAt < $1.createdAt }.prefix(sessions.count - limits.maxEntries)
            for s in drop { sessions[s.id] = nil }
        }
        if payouts.count > limits.maxEntries {
            let drop = payouts.sorted { $0.value.createdAt < $1.value.createdAt }.prefix(payouts.count - limits.maxEntries)
            for (key, _) in drop { payouts[key] = nil }
        }
    }
}
