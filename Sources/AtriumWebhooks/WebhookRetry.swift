import Foundation

/// When a failed delivery is tried again: 1 min, 5 min, 30 min, 2 h, 6 h, then every 12 h, for
/// at most 3 days after the delivery was made; then it is marked failed.
public enum WebhookRetry {
    /// How long deliveries keep being retried.
    public static let windowSeconds = 3 * 24 * 3600
    static let schedule = [60, 300, 1800, 7200, 21_600, 43_200]

    /// Seconds to wait after the `attempts`-th failed attempt (1-based).
    public static func delay(afterAttempt attempts: Int) -> Int {
        schedule[min(max(attempts, 1), schedule.count) - 1]
    }

    /// Seconds until the next try (the last one falls on the window's end), or nil when the
    /// window is over and the delivery fails now.
    public static func next(afterAttempt attempts: Int, created: Date, now: Date) -> Int? {
        let remaining = Int(created.addingTimeInterval(TimeInterval(windowSeconds)).timeIntervalSince(now).rounded(.down))
        guard remaining > 0 else { return nil }
        return min(delay(afterAttempt: attempts), remaining)
    }
}
