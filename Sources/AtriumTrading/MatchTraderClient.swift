import AtriumCore
import AtriumLedger
import Foundation
import NIOCore
import NIOHTTP1

/// Client-side throttle for a platform limit of `requests` in any window of `per` seconds (a
/// sliding window, as the platform counts), plus a pause the server can impose with 429 /
/// Retry-After.
///
/// A token bucket of capacity C refilled at r per second lets at most C + r·W requests through in
/// any window of W seconds. So the burst is a tenth of the limit and the refill is the rest spread
/// over the window plus one second: C + r·W stays just under the limit, and a request held up in
/// flight for up to a second still fits. (A bucket as large as the limit and refilled at the limit's
/// rate lets nearly twice the limit through in the first window.) With `servers` app servers on
/// the same API key, each takes an equal share of the limit.
public actor RequestThrottle {
    let capacity: Double
    let refillPerSecond: Double
    var tokens: Double
    var last: ContinuousClock.Instant
    var pausedUntil: ContinuousClock.Instant?
    let clock = ContinuousClock()

    public init(requests: Int, per seconds: Int, servers: Int = 1) {
        let share = max(1, requests / max(1, servers))
        let burst = max(1, share / 10)
        capacity = Double(burst)
        // A share of one request per window: the burst token comes back once a window.
        refillPerSecond = Double(max(1, share - burst)) / Double(max(1, seconds) + 1)
        tokens = Double(burst)
        last = clock.now
    }

    /// The most requests this throttle lets through in any window of `seconds`.
    nonisolated public func maximum(inWindowOf seconds: Int) -> Int {
        Int((capacity + refillPerSecond * Double(seconds)).rounded(.down))
    }

    /// Waits until a request may be sent and takes its token. Throws `PlatformError.rateLimited`
    /// at once when the platform's pause lasts longer than `patience`: a caller would rather hear
    /// "try again later" than wait past its own timeout.
    public func acquire(patience: Duration = .seconds(3_600)) async throws {
        while true {
            let now = clock.now
            if let pausedUntil, pausedUntil > now {
                let left = pausedUntil - now
                if left > patience { throw PlatformError.rateLimited(retryAfterSeconds: Int(left.components.seconds) + 1) }
                try await Task.sleep(until: pausedUntil, clock: clock)
                continue
            }
            let elapsed = now - last
            tokens = min(capacity, tokens + (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) * refillPerSecond)
            last = now
            if tokens >= 1 {
                tokens -= 1
                return
            }
            try await Task.sleep(for: .milliseconds(Int64(((1 - tokens) / refillPerSecond * 1000).rounded(.up))))
        }
    }

    /// The server said "too many": nobody sends for `seconds`.
    public func pause(seconds: Int) {
        pausedUntil = clock.now.advanced(by: .seconds(max(1, seconds)))
        tokens = 0
    }

    public var available: Int { Int(tokens) }
}

/// A Match-Trader-style Broker REST client (docs/integrations/matchtrader.md): API key in
/// `Authorization`, 500 requests per minute enforced on our side.
public final class MatchTraderClient: TradingPlatform {
    public let connectionID: String
    let base: String
    let apiKey: String
    let http: PlatformHTTP
    public let throttle: RequestThrottle

    /// The platform allows `limit` requests per API key in any window of `windowSeconds`; `servers`
    /// app servers use this key, each with its share.
    public init(connectionID: String, endpoint: String, apiKey: String, limit: Int = 500, windowSeconds: Int = 60, servers: Int = 1,
                timeout: TimeAmount = .seconds(10)) {
        self.connectionID = connectionID
        self.base = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.apiKey = apiKey
        self.http = PlatformHTTP(timeout: timeout)
        self.throttle = RequestThrottle(requests: limit, per: windowSeconds, servers: servers)
    }

    /// Ids and logins arrive as JSON numbers or strings; both decode to text.
    struct ID: Decodable, Sendable, CustomStringConvertible {
        let description: String
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let n = try? c.decode(Int64.self) { description = String(n) } else { description = try c.decode(String.self) }
        }
    }

    struct Problem: Decodable {
        let code: String?
        let message: String?
    }

    struct Person: Decodable { let uuid: String }

    struct TradingAccount: Decodable {
        let login: ID
        let group: String
        let leverage: Int
        let access: String
        let balance: String?
        let credit: String?
        let equity: String?
        let margin: String?
        let freeMargin: String?
        let marginLevel: String?
        let created: String?
    }

    struct Receipt: Decodable {
        let ticket: ID
        let alreadyApplied: Bool?
    }

    struct Items<T: Decodable>: Decodable {
        let items: [T]
        let hasMore: Bool?
    }

    struct LedgerItem: Decodable {
        let ticket: ID
        let type: String?
        let amount: String?
        let reference: String?
        let time: String?
    }

    struct Position: Decodable {
        let id: ID
        let symbol: String
        let side: String
        let volume: String
        let openPrice: String
        let currentPrice: String
        let profit: String
        let swap: String?
        let openTime: String?
    }

    struct Closed: Decodable {
        let id: ID
        let login: ID
        let symbol: String
        let side: String
        let volume: String
        let openPrice: String
        let closePrice: String
        let profit: String
        let commission: String?
        let swap: String?
        let openTime: String?
        let closeTime: String
    }

    static func date(_ text: String?) -> Date? {
        guard let text else { return nil }
        return try? Date(text, strategy: .iso8601)
    }

    /// A 429 is definite: the platform did not apply the request. When it asks for a pause of at most
    /// this many seconds, every caller waits it out (the throttle) and the request is sent again, up
    /// to `rateLimitAttempts` times in all; a longer pause is reported as `rateLimited`, and callers
    /// that meet such a pause in the throttle hear the same at once. Servers on one API key keep to
    /// their share of the limit (`ATRIUM_APP_SERVERS`), so a 429 means another client of the key.
    static let rateLimitRetrySeconds = 5
    static let rateLimitAttempts = 3

    func request<T: Decodable>(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: [String: any Sendable]? = nil, as type: T.Type) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await send(method, path, query: query, body: body, as: type)
            } catch PlatformError.rateLimited(let seconds) where seconds <= Self.rateLimitRetrySeconds && attempt < Self.rateLimitAttempts {
                attempt += 1
            }
        }
    }

    private func send<T: Decodable>(_ method: HTTPMethod, _ path: String, query: [(String, String)], body: [String: any Sendable]?, as type: T.Type) async throws -> T {
        do {
            try await throttle.acquire(patience: .seconds(Self.rateLimitRetrySeconds))
        } catch let error as PlatformError {
            throw error
        } catch {
            throw PlatformError.unavailable("\(path): cancelled while throttled")
        }
        let url = base + path + (query.isEmpty ? "" : "?" + FormEncoding.encode(query))
        let bytes = try body.map { try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) }.map(Array.init)
        let reply = try await http.send(url, method: method, headers: [("Authorization", apiKey), ("Accept", "application/json")], body: bytes)
        let problem = try? JSONDecoder().decode(Problem.self, from: Data(reply.body))
        let message = problem?.message ?? "HTTP \(reply.status)"
        switch reply.status {
        case 200..<300:
            do {
                return try JSONDecoder().decode(T.self, from: Data(reply.body))
            } catch {
                throw PlatformError.malformed("\(path): HTTP \(reply.status), not the expected JSON")
            }
        case 401, 403: throw PlatformError.authFailed("\(path): \(message)")
        case 404: throw PlatformError.notFound("\(path): \(message)")
        case 429:
            let seconds = Int(reply.headers.first(name: "Retry-After") ?? "") ?? 1
            await throttle.pause(seconds: seconds)
            throw PlatformError.rateLimited(retryAfterSeconds: seconds)
        case 500...: throw PlatformError.unavailable("\(path): \(message)")
        default: throw PlatformError.rejected(code: problem?.code ?? String(reply.status), message: message)
        }
    }

    /// Lots as decimal text ("0.10") to lots × 10,000.
    static func volume(_ text: String) throws -> Int64 {
        guard let v = DecimalText.minor(text, exponent: 4) else { throw PlatformError.malformed("volume is not a decimal: \(text.prefix(20))") }
        return v
    }

    static func access(_ text: String) throws -> AccessLevel {
        switch text {
        case "FULL": .enabled
        case "READ_ONLY": .readOnly
        case "DISABLED": .disabled
        default: throw PlatformError.malformed("access \(text.prefix(20))")
        }
    }

    public func ping() async throws {
        struct Pong: Decodable {}
        _ = try await request(.GET, "/v1/ping", as: Pong.self)
    }

    public func createAccount(_ a: NewPlatformAccount) async throws -> String {
        let person = try await request(.POST, "/v1/accounts", body: ["email": a.email, "name": a.name], as: Person.self)
        let account = try await request(.POST, "/v1/trading-accounts", body: [
            "accountUuid": person.uuid, "group": a.group, "leverage": a.leverage, "currency": a.currency.code, "password": a.password,
        ], as: TradingAccount.self)
        return account.login.description
    }

    public func accounts(email: String, group: String) async throws -> [(login: String, created: Date?)] {
        let page = try await request(.GET, "/v1/trading-accounts", query: [("email", email), ("group", group)], as: Items<TradingAccount>.self)
        return page.items.filter { $0.group == group }.map { ($0.login.description, Self.date($0.created)) }
    }

    public func account(login: String) async throws -> PlatformAccountInfo {
        let a = try await request(.GET, "/v1/trading-accounts/\(login)", as: TradingAccount.self)
        return PlatformAccountInfo(login: a.login.description, group: a.group, leverage: a.leverage, access: try Self.access(a.access))
    }

    public func setLeverage(login: String, leverage: Int) async throws {
        _ = try await request(.PATCH, "/v1/trading-accounts/\(login)", body: ["leverage": leverage], as: TradingAccount.self)
    }

    public func setAccess(login: String, access: AccessLevel) async throws {
        let value = switch access { case .enabled: "FULL"; case .readOnly: "READ_ONLY"; case .disabled: "DISABLED" }
        _ = try await request(.PATCH, "/v1/trading-accounts/\(login)", body: ["access": value], as: TradingAccount.self)
    }

    public func balance(login: String, amount: Int64, currency: Currency, reference: String) async throws -> BalanceReceipt {
        let path = "/v1/trading-accounts/\(login)/" + (amount >= 0 ? "deposits" : "withdrawals")
        let receipt = try await request(.POST, path, body: [
            "amount": Money.format(Int64(clamping: amount.magnitude), exponent: currency.exponent), "reference": reference,
        ], as: Receipt.self)
        return BalanceReceipt(ticket: receipt.ticket.description, alreadyApplied: receipt.alreadyApplied ?? false)
    }

    public func findBalance(login: String, reference: String, since: Date) async throws -> String? {
        let page = try await request(.GET, "/v1/trading-accounts/\(login)/ledger", query: [("reference", reference)], as: Items<LedgerItem>.self)
        return page.items.first { $0.reference == reference }?.ticket.description
    }

    public func balanceOperations(login: String, since: Date, currency: Currency) async throws -> [BalanceOperation] {
        let page = try await request(.GET, "/v1/trading-accounts/\(login)/ledger", as: Items<LedgerItem>.self)
        return try page.items.compactMap { item in
            let time = Self.date(item.time)
            if let time, time < since { return nil }
            let amount = try DecimalText.amount(item.amount, currency.exponent, "amount")
            return BalanceOperation(ticket: item.ticket.description, amount: item.type == "WITHDRAWAL" ? -abs(amount) : abs(amount), reference: item.reference ?? "", time: time)
        }
    }

    public func state(login: String, currency: Currency) async throws -> AccountState {
        let a = try await request(.GET, "/v1/trading-accounts/\(login)", as: TradingAccount.self)
        let e = currency.exponent
        let margin = try DecimalText.amount(a.margin ?? "0", e, "margin", exact: false)
        return AccountState(balance: try DecimalText.amount(a.balance, e, "balance"), credit: try DecimalText.amount(a.credit ?? "0", e, "credit"),
                            equity: try DecimalText.amount(a.equity, e, "equity", exact: false), margin: margin,
                            freeMargin: try DecimalText.amount(a.freeMargin, e, "freeMargin", exact: false),
                            marginLevelBasisPoints: margin == 0 ? nil : a.marginLevel.flatMap { DecimalText.minor($0, exponent: 2, exact: false) })
    }

    public func deals(groups: [String], after cursor: DealCursor, limit: Int, currencyOf: @Sendable (String) -> Currency?) async throws -> DealPage {
        var all: [ClosedTrade] = []
        var deals: [PlatformDeal] = []
        var cut: Int64?
        for group in groups {
            let page = try await request(.GET, "/v1/closed-positions", query: [
                ("group", group), ("afterId", String(cursor.ticket)), ("limit", String(min(max(limit, 1), 1000))),
            ], as: Items<Closed>.self)
            var last: Int64 = cursor.ticket
            for c in page.items {
                guard let id = Int64(c.id.description), let close = Self.date(c.closeTime) else { throw PlatformError.malformed("/v1/closed-positions: id or closeTime") }
                let e = (currencyOf(c.login.description) ?? Currency("USD"))?.exponent ?? 2
                let trade = ClosedTrade(ticket: id, login: c.login.description, symbol: c.symbol, side: c.side == "SELL" ? .sell : .buy, volume: try Self.volume(c.volume),
                                        openPrice: c.openPrice, closePrice: c.closePrice, profit: try DecimalText.amount(c.profit, e, "profit"),
                                        commission: try DecimalText.amount(c.commission ?? "0", e, "commission"), swap: try DecimalText.amount(c.swap ?? "0", e, "swap"),
                                        openTime: Self.date(c.openTime), closeTime: close)
                all.append(trade)
                deals += try Self.platformDeals(c, trade: trade, currency: currencyOf(trade.login)?.code ?? ClosedTrade.unknownCurrency)
                last = max(last, id)
            }
            if page.hasMore == true { cut = min(cut ?? last, last) }
        }
        // Ids are global: when one group was cut short, keep only what every group has answered for.
        if let cut {
            all.removeAll { $0.ticket > cut }
            deals.removeAll { $0.streamTicket > cut }
        }
        all.sort { $0.ticket < $1.ticket }
        deals.sort { $0.deal < $1.deal }
        let next = all.last.map { DealCursor(time: $0.closeTime, ticket: $0.ticket) } ?? cursor
        return DealPage(trades: all, deals: deals, next: next, hasMore: cut != nil)
    }

    public func positions(login: String, currency: Currency) async throws -> [OpenPosition] {
        let page = try await request(.GET, "/v1/trading-accounts/\(login)/positions", as: Items<Position>.self)
        return try page.items.map { p in
            guard let id = Int64(p.id.description) else { throw PlatformError.malformed("/positions: id") }
            return OpenPosition(id: id, symbol: p.symbol, side: p.side == "SELL" ? .sell : .buy, volume: try Self.volume(p.volume),
                                openPrice: p.openPrice, currentPrice: p.currentPrice,
                                profit: try DecimalText.amount(p.profit, currency.exponent, "profit", exact: false),
                                swap: try DecimalText.amount(p.swap ?? "0", currency.exponent, "swap", exact: false), openTime: Self.date(p.openTime))
        }
    }
}
