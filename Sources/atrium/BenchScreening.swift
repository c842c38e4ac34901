import ArgumentParser
import AtriumCompliance
import Foundation

/// `atrium bench-screening`: builds a `NameMatchIndex` over synthetic list entries with aliases and
/// screens synthetic clients against it on `--workers` concurrent workers (one `NameMatchScreener`
/// each, as a rescreen would), timing every client's screening (ops/bench/screening). Prints
/// `name|value|unit` lines. No database: the list store's load is measured by the lists lane.
struct BenchScreening: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-screening", abstract: "Time sanctions screening of synthetic clients (ops/bench/screening).")
    @Option var clients: Int = 100_000
    @Option var entries: Int = 20_000
    @Option var threshold: Double = 0.88
    @Option(help: "Concurrent workers (the machine has 2 cores).") var workers: Int = 2
    @Flag(help: "Clients without date of birth and country: names alone, the slowest case.") var withoutEvidence = false

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

        let subjects = (0..<clients).map { i in
            let s = gen.client(index: i, list: list)
            return withoutEvidence ? ScreeningSubject(name: s.name, dateOfBirth: nil, country: nil) : s
        }

        let n = max(1, workers), threshold = self.threshold
        let totalStart = clock.now
        let parts = await withTaskGroup(of: (latencies: [Double], hits: Int, clientsWithHits: Int).self) { group in
            for w in 0..<n {
                group.addTask {
                    let screener = NameMatchScreener(index: index)
                    var latencies: [Double] = []
                    var hits = 0, clientsWithHits = 0
                    for i in stride(from: w, to: subjects.count, by: n) {
                        let t0 = clock.now
                        let m = screener.matches(for: subjects[i], threshold: threshold)
                        latencies.append(ms(clock.now - t0))
                        hits += m.count
                        if !m.isEmpty { clientsWithHits += 1 }
                    }
                    return (latencies, hits, clientsWithHits)
                }
            }
            var all: [(latencies: [Double], hits: Int, clientsWithHits: Int)] = []
            for await part in group { all.append(part) }
            return all
        }
        let total = clock.now - totalStart
        let latencies = parts.flatMap(\.latencies).sorted()
        func pct(_ p: Double) -> Double { latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        say("clients|\(clients)|count")
        say("workers|\(n)|count")
        say("total|\(String(format: "%.2f", ms(total) / 1000))|s")
        say("p50|\(String(format: "%.3f", pct(0.50)))|ms")
        say("p99|\(String(format: "%.3f", pct(0.99)))|ms")
        say("max|\(String(format: "%.3f", latencies.last ?? 0))|ms")
        say("clients_with_hits|\(parts.reduce(0) { $0 + $1.clientsWithHits })|count")
        say("hits|\(parts.reduce(0) { $0 + $1.hits })|count")
    }
}

private func ms(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
}
