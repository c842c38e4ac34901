import AtriumCore
import Foundation
import Synchronization

/// What `atrium bench-soak` counts: every response (expected or an error), latency per minute,
/// and which upstream server (nginx's `X-Atrium-Upstream`) answered.
final class SoakRecorder: Sendable {
    struct State {
        var latencies = LatencyWindows()
        var requests = 0
        var errors: [String: Int] = [:]
        var errorSamples: [String] = []
        var steps: [String: Int] = [:]
        var upstreams: [String: Int] = [:]
        /// Requests of a signed-in session answered by another server than the one that created the session.
        var crossServerSession = 0
    }

    let state = Mutex(State())
    let started = ContinuousClock.now

    func elapsedSeconds() -> Double { BenchTrading.seconds(ContinuousClock.now - started) }

    /// One request: its label (method and route), latency, status (nil: connection failure), whether it was expected.
    func record(_ label: String, startedAt: Double, milliseconds: Double, status: Int?, ok: Bool, upstream: String?, detail: String) {
        state.withLock { s in
            s.requests += 1
            s.latencies.record(elapsedSeconds: startedAt, milliseconds: milliseconds)
            if let upstream { s.upstreams[upstream, default: 0] += 1 }
            if !ok {
                let key = "\(label) -> \(status.map(String.init) ?? "connection failure")"
                s.errors[key, default: 0] += 1
                if s.errorSamples.count < 20 { s.errorSamples.append(String(format: "t=%.1fs %@: %@", startedAt, key, String(detail.prefix(300)).replacingOccurrences(of: "\n", with: " "))) }
            }
        }
    }

    /// A business step done (a registration, a deposit credited, ...).
    func step(_ name: String) { state.withLock { $0.steps[name, default: 0] += 1 } }

    func crossServer() { state.withLock { $0.crossServerSession += 1 } }

    var snapshot: State { state.withLock { $0 } }
}
