import Foundation

/// An HTTP request as the sandbox engine sees it. The HTTP layer decodes the query string and
/// lowercases the header names before handing the request to ``SandboxPlatform/handle(_:now:)``.
public struct SandboxHTTPRequest: Sendable {
    /// The HTTP method, for example `"GET"`, `"POST"` or `"PATCH"`.
    public var method: String
    /// The path without the query string, for example `"/api/user/get"` or `"/mtr/v1/ping"`.
    public var path: String
    /// The decoded query parameters.
    public var query: [String: String]
    /// The request headers; names are lowercased.
    public var headers: [String: String]
    /// The raw request body.
    public var body: [UInt8]

    /// Creates a request.
    public init(
        method: String,
        path: String,
        query: [String: String] = [:],
        headers: [String: String] = [:],
        body: [UInt8] = []
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The value of a header, looked up case-insensitively.
    func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        if let value = headers[lowered] { return value }
        return headers.first { $0.key.lowercased() == lowered }?.value
    }
}

/// The engine's answer to one request; the HTTP layer writes it out as it is.
public struct SandboxHTTPResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// Response headers in order, for example `("Content-Type", "application/json")`,
    /// `("Set-Cookie", …)` or `("Retry-After", "12")`.
    public var headers: [(String, String)]
    /// The response body.
    public var body: [UInt8]
    /// How long the HTTP layer waits before answering (the latency fault); 0 for no delay.
    public var delayMilliseconds: Int
    /// When true the HTTP layer never answers (it sleeps 120 s), simulating a timeout.
    public var hang: Bool

    /// Creates a response.
    public init(
        status: Int,
        headers: [(String, String)] = [],
        body: [UInt8] = [],
        delayMilliseconds: Int = 0,
        hang: Bool = false
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.delayMilliseconds = delayMilliseconds
        self.hang = hang
    }
}

/// A trading group (MT5 group, Match-Trader offer) and the currency of its accounts.
public struct SandboxGroup: Sendable, Codable, Equatable {
    /// The group name, for example `"demo\\forex-usd"`. Group lookups ignore case.
    public var name: String
    /// The account currency, `"USD"` or `"EUR"`.
    public var currency: String

    /// Creates a group.
    public init(name: String, currency: String) {
        self.name = name
        self.currency = currency
    }

    /// The groups a default configuration knows.
    public static let defaults: [SandboxGroup] = [
        SandboxGroup(name: "demo\\forex-usd", currency: "USD"),
        SandboxGroup(name: "demo\\forex-eur", currency: "EUR"),
        SandboxGroup(name: "real\\standard-usd", currency: "USD"),
        SandboxGroup(name: "real\\standard-eur", currency: "EUR"),
    ]
}

/// Settings of a ``SandboxPlatform``.
public struct SandboxConfiguration: Sendable {
    /// Where `snapshot.json` and `journal.jsonl` live; `nil` keeps everything in memory.
    public var dataDirectory: String?
    /// MT5 manager logins and their passwords.
    public var managers: [String: String]
    /// The API keys the Match-Trader dialect accepts in `Authorization`.
    public var matchTraderAPIKeys: Set<String>
    /// MT5 server-local time is UTC plus this many minutes.
    public var timeOffsetMinutes: Int
    /// The known groups. MT5 `user/add` into an unknown group is refused; a Match-Trader
    /// trading account created into an unknown group creates the group with the request's currency.
    public var groups: [SandboxGroup]
    /// Groups whose accounts get generated trades in ``SandboxPlatform/tick(now:)``;
    /// `*` is a wildcard, matching ignores case.
    public var tradeGroupPatterns: [String]
    /// For each eligible account on each tick, the chance in percent to open or close a position.
    public var tradeProbabilityPercent: Int
    /// Match-Trader requests allowed per API key in any window of `rateLimitWindowSeconds`.
    public var rateLimitPerMinute: Int
    /// The rate limit's sliding window: 60 seconds, shorter in tests.
    public var rateLimitWindowSeconds: Int
    /// Seed of the deterministic price walk and trade generation.
    public var seed: UInt64

    /// Creates a configuration; every argument has the documented default.
    public init(
        dataDirectory: String? = nil,
        managers: [String: String] = ["1000": "Sandbox-Manager-1"],
        matchTraderAPIKeys: Set<String> = ["sandbox-mtr-key"],
        timeOffsetMinutes: Int = 120,
        groups: [SandboxGroup] = SandboxGroup.defaults,
        tradeGroupPatterns: [String] = ["demo*"],
        tradeProbabilityPercent: Int = 20,
        rateLimitPerMinute: Int = 500,
        rateLimitWindowSeconds: Int = 60,
        seed: UInt64 = 42
    ) {
        self.dataDirectory = dataDirectory
        self.managers = managers
        self.matchTraderAPIKeys = matchTraderAPIKeys
        self.timeOffsetMinutes = timeOffsetMinutes
        self.groups = groups
        self.tradeGroupPatterns = tradeGroupPatterns
        self.tradeProbabilityPercent = tradeProbabilityPercent
        self.rateLimitPerMinute = rateLimitPerMinute
        self.rateLimitWindowSeconds = rateLimitWindowSeconds
        self.seed = seed
    }
}
