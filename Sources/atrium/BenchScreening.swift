import ArgumentParser
import AtriumCompliance
import Foundation

/// `atrium bench-screening`: builds a `NameMatchIndex` over synthetic list entries with aliases and
/// screens synthetic clients against it, one after another (ops/bench/screening). Prints
/// `name|value|unit` lines. No database: the list store's load is measured by the lists lane.
struct BenchScreening: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-screening", abstract: "Time sanctions screening of synthetic clients (ops/bench/screening).")
    @Option var clients: Int = 100_000
    @Option var entries: Int = 20_000
    @Option var threshold: Double = 0.88

    func run() async throws {
        var gen = SyntheticNames(seed: 13)
        let version = UUID()
        var list: [ListEntry] = []
        list.reserveCapacity(entries)
        for i in 0..<entries { list.append(gen.entry(index: i, version: version)) }
        let aliasCount = list.reduce(0) { $0 + $1.aliases.count }

        let clock = ContinuousClock()
        let buildStart = clock.now
        let index = NameMatchIndex(entries: list)
        let build = clock.now - buildStart
        say("entries|\(entries)|count")
        say("aliases|\(aliasCount)|count")
        say("names_indexed|\(index.nameCount)|count")
        say("index_build|\(ms(build))|ms")

        var subjects: [ScreeningSubject] = []
        subjects.reserveCapacity(clients)
        for i in 0..<clients { subjects.append(gen.client(index: i, list: list)) }

        var latencies: [Double] = []
        latencies.reserveCapacity(clients)
        var hits = 0, clientsWithHits = 0
        let totalStart = clock.now
        for s in subjects {
            let t0 = clock.now
            let m = index.matches(for: s, threshold: threshold)
            latencies.append(ms(clock.now - t0))
            hits += m.count
            if !m.isEmpty { clientsWithHits += 1 }
        }
        let total = clock.now - totalStart
        latencies.sort()
        func pct(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        say("clients|\(clients)|count")
        say("total|\(String(format: "%.2f", ms(total) / 1000))|s")
        say("p50|\(String(format: "%.3f", pct(0.50)))|ms")
        say("p99|\(String(format: "%.3f", pct(0.99)))|ms")
        say("max|\(String(format: "%.3f", latencies.last ?? 0))|ms")
        say("clients_with_hits|\(clientsWithHits)|count")
        say("hits|\(hits)|count")
    }

    private func ms(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
}
