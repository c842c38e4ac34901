import Foundation

/// The `/control/state` answer.
struct ControlState: Encodable {
    var accounts: Int
    var deals: Int
    var positions: Int
    /// Match-Trader requests refused with 429 so far.
    var rateLimited: Int
    var prices: [String: String]
}

struct ControlFaults: Encodable {
    var armed: Int
}

struct ControlGenerated: Encodable {
    var generated: Int
}

/// Most closed trades one `/control/generate-deals` call makes.
private let maxGeneratedDeals = 1_000_000

extension SandboxPlatform {
    /// Answers a `/control/...` request (sandbox only, no authentication, never faulted).
    func handleControl(_ request: SandboxHTTPRequest, clock: RequestClock) -> SandboxHTTPResponse {
        let method = request.method.uppercased()
        switch request.path {
        case "/control/faults":
            guard method == "POST" else { return methodNotAllowed() }
            return armFault(request)
        case "/control/reset-faults":
            guard method == "POST" else { return methodNotAllowed() }
            faults.reset()
            return JSONOut.response(200, ControlFaults(armed: 0))
        case "/control/generate-deals":
            guard method == "POST" else { return methodNotAllowed() }
            return generateDeals(request, clock: clock)
        case "/control/state":
            guard method == "GET" else { return methodNotAllowed() }
            var priceTexts = [String: String]()
            for spec in SymbolSpec.all { priceTexts[spec.name] = spec.format(prices.price(spec.name)) }
            return JSONOut.response(200, ControlState(
                accounts: store.accounts.count, deals: store.deals.count, positions: store.positions.count,
                rateLimited: rateLimiter.refused, prices: priceTexts
            ))
        default:
            if let answer = handleTradingControl(request, clock: clock) { return answer }
            return JSONOut.response(404, ControlError(error: "no such control endpoint"))
        }
    }

    private func methodNotAllowed() -> SandboxHTTPResponse {
        JSONOut.response(405, ControlError(error: "method not allowed"))
    }

    private func badRequest(_ message: String) -> SandboxHTTPResponse {
        JSONOut.response(400, ControlError(error: message))
    }

    /// `{"target","mode","count","latencyMs"}`; count defaults to 1, 0 means until reset.
    private func armFault(_ request: SandboxHTTPRequest) -> SandboxHTTPResponse {
        guard let body = JSONValue.object(from: request.body) else { return badRequest("body must be a JSON object") }
        guard let modeText = body["mode"]?.string, let mode = FaultMode(rawValue: modeText) else {
            return badRequest("mode must be one of \(FaultMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let target = body["target"]?.string ?? "*"
        guard !target.isEmpty else { return badRequest("target must not be empty") }
        var count = 1
        if let value = body["count"] {
            guard let parsed = value.integer.flatMap({ Int(exactly: $0) }), parsed >= 0 else {
                return badRequest("count must be a non-negative integer")
            }
            count = parsed
        }
        var latency = 0
        if let value = body["latencyMs"] {
            guard let parsed = value.integer.flatMap({ Int(exactly: $0) }), parsed >= 0 else {
                return badRequest("latencyMs must be a non-negative integer")
            }
            latency = parsed
        }
        faults.arm(Fault(target: target, mode: mode, remaining: count, latencyMilliseconds: latency))
        return JSONOut.response(200, ControlFaults(armed: faults.faults.count))
    }

    /// `{"login","count"}` → that many closed trades now.
    private func generateDeals(_ request: SandboxHTTPRequest, clock: RequestClock) -> SandboxHTTPResponse {
        guard let body = JSONValue.object(from: request.body),
              let login = body["login"]?.integer,
              let count = body["count"]?.integer.flatMap({ Int(exactly: $0) }),
              (1...maxGeneratedDeals).contains(count)
        else { return badRequest("need login and a count of 1 to \(maxGeneratedDeals)") }
        do {
            let generated = try generateClosedTrades(login: login, count: count, now: clock.seconds)
            return JSONOut.response(200, ControlGenerated(generated: generated))
        } catch .notFound {
            return JSONOut.response(404, ControlError(error: "no account \(login)"))
        } catch {
            return JSONOut.response(500, ControlError(error: "cannot persist"))
        }
    }
}
