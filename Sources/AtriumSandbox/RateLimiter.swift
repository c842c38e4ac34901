import Foundation

/// A sliding window (60 seconds unless told) of admitted requests per key.
struct RateLimiter: Sendable {
    let limit: Int
    let windowMilliseconds: Int64
    private var admitted: [String: [Int64]] = [:]
    /// Requests refused so far (answered 429), over all keys.
    private(set) var refused = 0

    init(limit: Int, windowSeconds: Int = 60) {
        self.limit = max(1, limit)
        windowMilliseconds = Int64(max(1, windowSeconds)) * 1_000
    }

    /// Admits a request at `now` (Unix ms), or answers how many seconds until a slot frees (≥ 1).
    mutating func admit(key: String, now: Int64) -> Int? {
        var times = admitted[key] ?? []
        let expired = times.prefix { $0 <= now - windowMilliseconds }.count
        if expired > 0 { times.removeFirst(expired) }
        if times.count >= limit {
            admitted[key] = times
            refused += 1
            let waitMilliseconds = (times[times.count - limit] + windowMilliseconds) - now
            return max(1, Int((waitMilliseconds + 999) / 1_000))
        }
        times.append(now)
        admitted[key] = times
        return nil
    }
}
