/// Request latencies grouped by the minute of a run in which each request started, with the
/// nearest-rank p99 of each minute (ops/bench/soak reports one p99 per minute).
public struct LatencyWindows: Sendable, Equatable {
    /// One minute of a run: its index from the start, how many requests started in it, and their p99.
    public struct Minute: Sendable, Equatable {
        /// 0 for the first minute of the run.
        public let index: Int
        /// Requests that started in this minute.
        public let count: Int
        /// The nearest-rank 99th percentile latency in milliseconds (0 when the minute had no requests).
        public let p99Milliseconds: Double
    }

    private var samples: [Int: [Double]] = [:]

    /// An empty set of windows.
    public init() {}

    /// Records one request that started `elapsedSeconds` after the run began and took `milliseconds`.
    /// A negative elapsed time (a clock read out of order) counts in minute 0.
    public mutating func record(elapsedSeconds: Double, milliseconds: Double) {
        let minute = max(0, Int(elapsedSeconds / 60))
        samples[minute, default: []].append(milliseconds)
    }

    /// Every minute from 0 to the last one with a request, in order; a minute without requests has count 0.
    public var minutes: [Minute] {
        guard let last = samples.keys.max() else { return [] }
        return (0...last).map { index in
            let values = samples[index] ?? []
            return Minute(index: index, count: values.count, p99Milliseconds: Self.percentile(values, 0.99))
        }
    }

    /// All requests recorded.
    public var total: Int { samples.values.reduce(0) { $0 + $1.count } }

    /// The nearest-rank percentile (`fraction` in 0...1) of `values`: the smallest value with at least
    /// that fraction of the values at or below it. 0 for no values.
    public static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
