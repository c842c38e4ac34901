import Foundation

/// What an armed fault does to a matching request.
enum FaultMode: String, Sendable, CaseIterable {
    /// HTTP 503, nothing applied.
    case error
    /// No answer, nothing applied.
    case timeout
    /// The request is applied, then no answer.
    case timeoutAfterApply = "timeout_after_apply"
    /// HTTP 200 with a cut-off body, nothing applied.
    case malformed
    /// The normal answer, after a delay.
    case latency
}

/// One armed fault.
struct Fault: Sendable {
    /// A substring of the request path, or `*` for every path.
    var target: String
    var mode: FaultMode
    /// Applications left; 0 means until reset.
    var remaining: Int
    var latencyMilliseconds: Int

    func matches(_ path: String) -> Bool { target == "*" || path.contains(target) }
}

/// The armed faults, in the order they were armed.
struct FaultBook: Sendable {
    private(set) var faults: [Fault] = []

    mutating func arm(_ fault: Fault) { faults.append(fault) }

    mutating func reset() { faults.removeAll() }

    /// The first armed fault matching the path, counted as applied once.
    mutating func take(for path: String) -> Fault? {
        guard let index = faults.firstIndex(where: { $0.matches(path) }) else { return nil }
        let fault = faults[index]
        if fault.remaining > 0 {
            if fault.remaining == 1 {
                faults.remove(at: index)
            } else {
                faults[index].remaining -= 1
            }
        }
        return fault
    }
}
