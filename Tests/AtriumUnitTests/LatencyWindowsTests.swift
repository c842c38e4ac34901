import AtriumCore
import Testing

@Suite("Latency per minute (ops/bench/soak)")
struct LatencyWindowsTests {
    @Test("p99 is the nearest-rank value: with 100 samples 1...100 it is 99, with 200 samples 1...200 it is 198")
    func nearestRank() {
        #expect(LatencyWindows.percentile((1...100).map(Double.init).shuffled(), 0.99) == 99)
        #expect(LatencyWindows.percentile((1...200).map(Double.init).shuffled(), 0.99) == 198)
        #expect(LatencyWindows.percentile([7], 0.99) == 7)
        #expect(LatencyWindows.percentile([], 0.99) == 0)
        // Fewer than 100 samples: the slowest one is the p99.
        #expect(LatencyWindows.percentile([1, 2, 50], 0.99) == 50)
    }

    @Test("requests fall into the minute they started in; a minute without requests is listed with count 0")
    func minutes() {
        var w = LatencyWindows()
        for ms in 1...100 { w.record(elapsedSeconds: 59.9, milliseconds: Double(ms)) }
        w.record(elapsedSeconds: 180, milliseconds: 40)
        w.record(elapsedSeconds: -1, milliseconds: 500)
        let minutes = w.minutes
        #expect(minutes.map(\.index) == [0, 1, 2, 3])
        #expect(minutes.map(\.count) == [101, 0, 0, 1])
        #expect(minutes[0].p99Milliseconds == 100)
        #expect(minutes[1].p99Milliseconds == 0)
        #expect(minutes[3].p99Milliseconds == 40)
        #expect(w.total == 102)
        #expect(LatencyWindows().minutes.isEmpty)
    }
}
