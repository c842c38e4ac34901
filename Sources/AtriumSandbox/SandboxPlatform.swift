import Foundation

/// The sandbox trading server engine: one in-memory model of trading accounts answered in two
/// dialects (MT5 Web API under `/api`, Match-Trader-style REST under `/mtr`), plus the
/// sandbox-only `/control` endpoints. The HTTP layer feeds it requests through
/// ``handle(_:now:)`` and calls ``tick(now:)`` on a timer.
public actor SandboxPlatform {
    let configuration: SandboxConfiguration
    var store: Store
    var prices: PriceFeed
    /// Drives trade generation in `tick`.
    var tradeGenerator: SplitMix64
    /// Drives `/control/generate-deals`.
    var dealGenerator: SplitMix64
    var tickCount: Int64
    let journal: Journal?
    var sessions: [String: MT5Session] = [:]
    var rateLimiter: RateLimiter
    var faults = FaultBook()
    let tradeGroups: GroupMask

    /// Creates the engine; with a data directory it loads `snapshot.json` and replays
    /// `journal.jsonl`, ignoring a cut-off last line.
    public init(configuration: SandboxConfiguration) throws {
        self.configuration = configuration
        prices = PriceFeed(seed: configuration.seed)
        tradeGenerator = SplitMix64(seed: configuration.seed ^ 0x5452_4144_4553_0002)
        dealGenerator = SplitMix64(seed: configuration.seed ^ 0x4445_414C_5300_0003)
        rateLimiter = RateLimiter(limit: configuration.rateLimitPerMinute, windowSeconds: configuration.rateLimitWindowSeconds)
        tradeGroups = GroupMask(patterns: configuration.tradeGroupPatterns)
        if let directory = configuration.dataDirectory {
            let (journal, loaded) = try Journal.open(directory: directory)
            var store = loaded.snapshot.map { Store(snapshot: $0, configuredGroups: configuration.groups) }
                ?? Store(groups: configuration.groups)
            for mutation in loaded.mutations { store.apply(mutation) }
            // The configuration has the last word on the groups it names.
            var configured = Mutation()
            configured.groups = configuration.groups
            store.apply(configured)
            self.store = store
            self.journal = journal
        } else {
            store = Store(groups: configuration.groups)
            journal = nil
        }
        tickCount = store.positions.values.map(\.openTick).max() ?? 0
    }

    /// Answers one request. Never throws: every failure is an HTTP answer of its dialect.
    public func handle(_ request: SandboxHTTPRequest, now: Date = Date()) -> SandboxHTTPResponse {
        let clock = RequestClock(now)
        if request.path == "/control" || request.path.hasPrefix("/control/") {
            return handleControl(request, clock: clock)
        }
        let isMatchTrader = request.path == "/mtr" || request.path.hasPrefix("/mtr/")
        guard let fault = faults.take(for: request.path) else {
            return route(request, clock: clock, matchTrader: isMatchTrader)
        }
        switch fault.mode {
        case .error:
            if isMatchTrader {
                return JSONOut.response(503, MTRError(code: "UNAVAILABLE", message: "service unavailable (injected fault)"))
            }
            return JSONOut.response(503, MT5Envelope<MT5Empty>(retcode: MT5Retcode.noService))
        case .timeout:
            return SandboxHTTPResponse(status: 504, hang: true)
        case .timeoutAfterApply:
            var response = route(request, clock: clock, matchTrader: isMatchTrader)
            response.hang = true
            return response
        case .malformed:
            return SandboxHTTPResponse(
                status: 200, headers: [("Content-Type", "application/json")], body: Array(#"{"retcode":"0 Do"#.utf8)
            )
        case .latency:
            var response = route(request, clock: clock, matchTrader: isMatchTrader)
            response.delayMilliseconds = max(0, fault.latencyMilliseconds)
            return response
        }
    }

    private func route(_ request: SandboxHTTPRequest, clock: RequestClock, matchTrader: Bool) -> SandboxHTTPResponse {
        if matchTrader { return handleMatchTrader(request, clock: clock) }
        if request.path == "/api" || request.path.hasPrefix("/api/") { return handleMT5(request, clock: clock) }
        return JSONOut.response(404, ControlError(error: "not found"))
    }

    /// Advances every price one step, then lets eligible accounts open or close a position.
    public func tick(now: Date = Date()) {
        prices.step()
        tickCount += 1
        generateTrades(now: UnixTime.seconds(now))
    }

    /// Writes the snapshot atomically and empties the journal. Does nothing without a data directory.
    public func flush() throws {
        guard let journal else { return }
        try journal.compact(store.snapshot)
    }

    /// Adds (or replaces, by name ignoring case) groups; they are persisted.
    public func addGroups(_ groups: [SandboxGroup]) {
        var transaction = Transaction(store: store)
        for group in groups { transaction.add(group) }
        do {
            try commit(transaction)
        } catch {
            // Not persisted, but a configuration change still holds for this process.
            store.apply(transaction.mutation)
        }
    }
}

/// The request time in the units the engine uses.
struct RequestClock: Sendable {
    /// UTC Unix seconds.
    var seconds: Int64
    /// UTC Unix milliseconds.
    var milliseconds: Int64

    init(_ date: Date) {
        seconds = UnixTime.seconds(date)
        milliseconds = UnixTime.milliseconds(date)
    }
}
