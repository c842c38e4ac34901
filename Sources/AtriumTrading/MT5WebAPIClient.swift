import AtriumCore
import AtriumLedger
import AtriumMT5
import Foundation
import NIOCore
import NIOHTTP1

/// The MetaTrader 5 Web API client (HTTPS/JSON dialect, docs/integrations/mt5.md).
/// One instance per brand connection; it keeps the manager session and re-authenticates once
/// when the server says the session is gone.
public final class MT5WebAPIClient: TradingPlatform {
    public let connectionID: String
    let base: String
    let managerLogin: String
    let passwordHash: [UInt8]
    let offsetSeconds: Int
    let http: PlatformHTTP
    let session = SessionStore()

    /// Cookies of the manager session; auth runs one at a time.
    actor SessionStore {
        var cookies: [String: String] = [:]
        var authenticated = false
        var authTask: Task<Void, any Error>?

        func header() -> String? {
            cookies.isEmpty ? nil : cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ")
        }

        func remember(_ headers: HTTPHeaders) {
            for value in headers["Set-Cookie"] {
                let pair = value.split(separator: ";", maxSplits: 1)[0].split(separator: "=", maxSplits: 1)
                if pair.count == 2 { cookies[pair[0].trimmingCharacters(in: .whitespaces)] = String(pair[1]) }
            }
        }

        func reset() {
            authenticated = false
            cookies = [:]
        }

        /// Runs `auth` unless a session exists; concurrent callers share one attempt.
        func ensure(_ auth: @escaping @Sendable () async throws -> Void) async throws {
            if authenticated { return }
            if let authTask { return try await authTask.value }
            let task = Task { try await auth() }
            authTask = task
            defer { authTask = nil }
            try await task.value
            authenticated = true
        }
    }

    public init(connectionID: String, endpoint: String, managerLogin: String, managerPassword: String,
                serverTimeOffsetMinutes: Int, timeout: TimeAmount = .seconds(10)) {
        self.connectionID = connectionID
        self.base = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.managerLogin = managerLogin
        self.passwordHash = MT5Auth.passwordHash(managerPassword)
        self.offsetSeconds = serverTimeOffsetMinutes * 60
        self.http = PlatformHTTP(timeout: timeout)
    }

    // MARK: Wire

    struct Envelope<Answer: Decodable>: Decodable {
        let retcode: String
        let answer: Answer?
    }

    struct Empty: Decodable {}

    struct AuthStart: Decodable {
        let retcode: String
        let srv_rand: String?
    }

    struct AuthAnswer: Decodable {
        let retcode: String
        let cli_rand_answer: String?
    }

    struct User: Decodable {
        let Login: String
        let Group: String?
        let Leverage: String?
        let Rights: String?
        let Email: String?
        let Registration: String?
    }

    struct Account: Decodable {
        let Balance: String
        let Credit: String?
        let Equity: String
        let Margin: String
        let MarginFree: String
        let MarginLevel: String?
    }

    struct Deal: Decodable {
        let Deal: String
        let Login: String
        let Time: String
        let Action: String
        let Entry: String?
        let Symbol: String?
        let Volume: String?
        let Price: String?
        let PricePosition: String?
        let Profit: String?
        let Commission: String?
        let Storage: String?
        let Comment: String?
        let PositionID: String?
        var TimeMsc: String? = nil
        var VolumeExt: String? = nil
        var VolumeClosed: String? = nil
        var VolumeClosedExt: String? = nil
    }

    struct Position: Decodable {
        let Position: String
        let Symbol: String
        let Action: String
        let Volume: String
        let PriceOpen: String
        let PriceCurrent: String
        let Profit: String
        let Storage: String?
        let TimeCreate: String?
    }

    struct Ticket: Decodable { let ticket: String }

    static func code(_ retcode: String) -> Int? { Int(retcode.prefix(while: { $0.isNumber })) }

    func raw(_ path: String, _ query: [(String, String)], body: [String: String]? = nil) async throws -> PlatformHTTP.Reply {
        var headers: [(String, String)] = [("Accept", "application/json")]
        if let cookie = await session.header() { headers.append(("Cookie", cookie)) }
        let url = base + path + (query.isEmpty ? "" : "?" + FormEncoding.encode(query))
        let bytes = try body.map { try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) }.map(Array.init)
        let reply = try await http.send(url, method: body == nil ? .GET : .POST, headers: headers, body: bytes)
        await session.remember(reply.headers)
        if reply.status >= 500 { throw PlatformError.unavailable("\(path): HTTP \(reply.status)") }
        if reply.status == 429 { throw PlatformError.rateLimited(retryAfterSeconds: Int(reply.headers.first(name: "Retry-After") ?? "") ?? 1) }
        return reply
    }

    static func decode<T: Decodable>(_ type: T.Type, _ reply: PlatformHTTP.Reply, _ path: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(reply.body))
        } catch {
            throw PlatformError.malformed("\(path): HTTP \(reply.status), not the expected JSON")
        }
    }

    func authenticate() async throws {
        await session.reset()
        let start = try Self.decode(AuthStart.self, try await raw("/api/auth/start", [("version", "484"), ("agent", "Atrium"), ("login", managerLogin), ("type", "manager")]), "/api/auth/start")
        try Self.check(start.retcode, "/api/auth/start", auth: true)
        guard let srvRand = start.srv_rand.flatMap(Hex.decode), srvRand.count == 16 else {
            throw PlatformError.malformed("/api/auth/start: srv_rand is not 16 bytes of hex")
        }
        var cliRand = [UInt8](repeating: 0, count: 16)
        var rng = SystemRandomNumberGenerator()
        for i in cliRand.indices { cliRand[i] = rng.next() }
        let answer = try Self.decode(AuthAnswer.self, try await raw("/api/auth/answer", [
            ("srv_rand_answer", MT5Auth.answer(passwordHash: passwordHash, random: srvRand)), ("cli_rand", Hex.encode(cliRand)),
        ]), "/api/auth/answer")
        try Self.check(answer.retcode, "/api/auth/answer", auth: true)
        guard answer.cli_rand_answer?.lowercased() == MT5Auth.answer(passwordHash: passwordHash, random: cliRand) else {
            throw PlatformError.authFailed("the server's cli_rand_answer does not match: it does not know the manager password")
        }
    }

    static func check(_ retcode: String, _ path: String, auth: Bool = false) throws {
        guard let code = code(retcode) else { throw PlatformError.malformed("\(path): retcode \(retcode.prefix(40))") }
        switch code {
        case 0: return
        case 8, 1001...1099: throw PlatformError.authFailed("\(path): \(retcode)")
        case 13: throw PlatformError.notFound("\(path): \(retcode)")
        case 9, 10, 11: throw PlatformError.unavailable("\(path): \(retcode)")
        case 12: throw PlatformError.rateLimited(retryAfterSeconds: 1)
        default: throw PlatformError.rejected(code: String(code), message: String(retcode.drop(while: { $0.isNumber }).trimmingCharacters(in: .whitespaces)))
        }
    }

    /// One authenticated call; re-authenticates once when the session was lost.
    func call<T: Decodable>(_ path: String, _ query: [(String, String)], body: [String: String]? = nil, as type: T.Type) async throws -> T? {
        try await session.ensure { [self] in try await authenticate() }
        var envelope = try Self.decode(Envelope<T>.self, try await raw(path, query, body: body), path)
        if Self.code(envelope.retcode) == 8 {
            await session.reset()
            try await session.ensure { [self] in try await authenticate() }
            envelope = try Self.decode(Envelope<T>.self, try await raw(path, query, body: body), path)
        }
        try Self.check(envelope.retcode, path)
        return envelope.answer
    }

    func require<T: Decodable>(_ path: String, _ query: [(String, String)], body: [String: String]? = nil, as type: T.Type) async throws -> T {
        guard let answer = try await call(path, query, body: body, as: type) else { throw PlatformError.malformed("\(path): no answer object") }
        return answer
    }

    func serverTime(_ date: Date) -> String { String(Int(date.timeIntervalSince1970) + offsetSeconds) }

    func utc(_ serverTime: String?) -> Date? {
        serverTime.flatMap { Int($0) }.map { Date(timeIntervalSince1970: TimeInterval($0 - offsetSeconds)) }
    }

    // MARK: TradingPlatform

    public func ping() async throws {
        _ = try await call("/api/test/access", [], as: Empty.self)
    }

    public func createAccount(_ a: NewPlatformAccount) async throws -> String {
        let user = try await require("/api/user/add", [("pass_main", a.password), ("pass_investor", a.investorPassword)], body: [
            "Group": a.group, "Name": a.name, "Email": a.email, "Leverage": String(a.leverage), "Rights": String(MT5Rights.defaultRights),
        ], as: User.self)
        guard Int64(user.Login) != nil else { throw PlatformError.malformed("/api/user/add: Login is not a number") }
        return user.Login
    }

    func user(_ login: String) async throws -> User {
        try await require("/api/user/get", [("login", login)], as: User.self)
    }

    public func accounts(email: String, group: String) async throws -> [(login: String, created: Date?)] {
        let users = try await call("/api/user/get_batch", [("group", group)], as: [User].self) ?? []
        return users.filter { $0.Email?.lowercased() == email.lowercased() && $0.Group == group }.map { ($0.Login, utc($0.Registration)) }
    }

    public func account(login: String) async throws -> PlatformAccountInfo {
        let u = try await user(login)
        guard let rights = u.Rights.flatMap(UInt64.init), let leverage = u.Leverage.flatMap(Int.init), let group = u.Group else {
            throw PlatformError.malformed("/api/user/get: Rights, Leverage or Group missing")
        }
        return PlatformAccountInfo(login: u.Login, group: group, leverage: leverage, access: MT5Rights.access(rights))
    }

    public func setLeverage(login: String, leverage: Int) async throws {
        _ = try await call("/api/user/update", [("login", login)], body: ["Leverage": String(leverage)], as: User.self)
    }

    public func setAccess(login: String, access: AccessLevel) async throws {
        let u = try await user(login)
        guard let rights = u.Rights.flatMap(UInt64.init) else { throw PlatformError.malformed("/api/user/get: Rights missing") }
        _ = try await call("/api/user/update", [("login", login)], body: ["Rights": String(MT5Rights.applying(access, to: rights))], as: User.self)
    }

    public func balance(login: String, amount: Int64, currency: Currency, reference: String) async throws -> BalanceReceipt {
        if let ticket = try await findBalance(login: login, reference: reference, since: Date().addingTimeInterval(-7 * 86_400)) {
            return BalanceReceipt(ticket: ticket, alreadyApplied: true)
        }
        let answer = try await require("/api/trade/balance", [
            ("login", login), ("type", "2"), ("balance", Money.format(amount, exponent: currency.exponent)), ("comment", reference),
        ], as: Ticket.self)
        return BalanceReceipt(ticket: answer.ticket, alreadyApplied: false)
    }

    public func findBalance(login: String, reference: String, since: Date) async throws -> String? {
        var offset = 0
        while true {
            let page = try await call("/api/deal/get_page", [
                ("login", login), ("from", serverTime(since)), ("to", serverTime(Date().addingTimeInterval(86_400))),
                ("offset", String(offset)), ("total", "1000"),
            ], as: [Deal].self) ?? []
            if let hit = page.first(where: { $0.Action == "2" && $0.Comment == reference }) { return hit.Deal }
            if page.count < 1000 { return nil }
            offset += page.count
        }
    }

    public func balanceOperations(login: String, since: Date, currency: Currency) async throws -> [BalanceOperation] {
        var out: [BalanceOperation] = []
        var offset = 0
        while true {
            let page = try await call("/api/deal/get_page", [
                ("login", login), ("from", serverTime(since)), ("to", serverTime(Date().addingTimeInterval(86_400))),
                ("offset", String(offset)), ("total", "1000"),
            ], as: [Deal].self) ?? []
            for d in page where d.Action == "2" {
                out.append(BalanceOperation(ticket: d.Deal, amount: try DecimalText.amount(d.Profit, currency.exponent, "Profit"), reference: d.Comment ?? "", time: utc(d.Time)))
            }
            if page.count < 1000 { return out }
            offset += page.count
        }
    }

    public func state(login: String, currency: Currency) async throws -> AccountState {
        let a = try await require("/api/user/account/get", [("login", login)], as: Account.self)
        let e = currency.exponent
        let margin = try DecimalText.amount(a.Margin, e, "Margin", exact: false)
        return AccountState(balance: try DecimalText.amount(a.Balance, e, "Balance"), credit: try DecimalText.amount(a.Credit ?? "0", e, "Credit"),
                            equity: try DecimalText.amount(a.Equity, e, "Equity", exact: false), margin: margin,
                            freeMargin: try DecimalText.amount(a.MarginFree, e, "MarginFree", exact: false),
                            marginLevelBasisPoints: margin == 0 ? nil : a.MarginLevel.flatMap { DecimalText.minor($0, exponent: 2, exact: false) })
    }

    public func deals(groups: [String], after cursor: DealCursor, limit: Int, currencyOf: @Sendable (String) -> Currency?) async throws -> DealPage {
        let now = Date()
        // deal/get_batch has no paging: a cursor behind by days is read a day at a time; a first
        // sync (cursor at the epoch) reads everything up to now at once.
        let first = cursor.time.timeIntervalSince1970 < 1
        let windowEnd = first ? now : min(now, cursor.time.addingTimeInterval(86_400))
        // Deal tickets only grow, so the ticket is the cursor; the time window only bounds the
        // request, with 15 minutes of overlap for deals stamped a little in the past.
        let from = first ? cursor.time : cursor.time.addingTimeInterval(-900)
        let raw = try await call("/api/deal/get_batch", [
            ("group", groups.joined(separator: ",")), ("from", serverTime(from)), ("to", serverTime(windowEnd.addingTimeInterval(1))),
        ], as: [Deal].self) ?? []
        var openings: [OpeningDeal] = []
        var trades: [ClosedTrade] = []
        var platformDeals: [PlatformDeal] = []
        for d in raw where d.Action == "0" || d.Action == "1" {
            guard let ticket = Int64(d.Deal), let time = utc(d.Time) else { throw PlatformError.malformed("/api/deal/get_batch: Deal or Time") }
            let e = (currencyOf(d.Login) ?? Currency("USD"))?.exponent ?? 2
            if let deal = try platformDeal(d, ticket: ticket, time: time, exponent: e, currency: currencyOf(d.Login)?.code ?? ClosedTrade.unknownCurrency) {
                platformDeals.append(deal)
            }
            let position = d.PositionID.flatMap { Int64($0) }
            if d.Entry == "0" {
                if let position { openings.append(OpeningDeal(positionID: position, commission: try DecimalText.amount(d.Commission ?? "0", e, "Commission"), time: time)) }
                continue
            }
            guard d.Entry == "1" else { continue }
            if ticket <= cursor.ticket { continue }
            guard let symbol = d.Symbol, let volume = d.Volume.flatMap(Int64.init), let closePrice = d.Price, let openPrice = d.PricePosition else {
                throw PlatformError.malformed("/api/deal/get_batch: deal \(d.Deal) lacks Symbol, Volume or prices")
            }
            // The closing deal's action is the opposite of the position's side.
            trades.append(ClosedTrade(ticket: ticket, login: d.Login, symbol: symbol, side: d.Action == "1" ? .buy : .sell, volume: volume,
                                      openPrice: openPrice, closePrice: closePrice, profit: try DecimalText.amount(d.Profit ?? "0", e, "Profit"),
                                      commission: try DecimalText.amount(d.Commission ?? "0", e, "Commission"), swap: try DecimalText.amount(d.Storage ?? "0", e, "Storage"),
                                      openTime: nil, closeTime: time, positionID: position))
        }
        trades.sort { $0.ticket < $1.ticket }
        let newest = trades.map(\.closeTime).max() ?? cursor.time
        // With nothing new the window still moves on (a cursor days behind must catch up).
        let next = DealCursor(time: trades.isEmpty ? max(cursor.time, windowEnd.addingTimeInterval(-5)) : max(cursor.time, newest),
                              ticket: trades.last?.ticket ?? cursor.ticket)
        return DealPage(trades: trades, openings: openings, deals: platformDeals, next: next, hasMore: windowEnd < now.addingTimeInterval(-1))
    }

    public func positions(login: String, currency: Currency) async throws -> [OpenPosition] {
        let page = try await call("/api/position/get_page", [("login", login), ("offset", "0"), ("total", "1000")], as: [Position].self) ?? []
        return try page.map { p in
            guard let id = Int64(p.Position), let volume = Int64(p.Volume) else { throw PlatformError.malformed("/api/position/get_page: Position or Volume") }
            return OpenPosition(id: id, symbol: p.Symbol, side: p.Action == "1" ? .sell : .buy, volume: volume, openPrice: p.PriceOpen,
                                currentPrice: p.PriceCurrent, profit: try DecimalText.amount(p.Profit, currency.exponent, "Profit", exact: false),
                                swap: try DecimalText.amount(p.Storage ?? "0", currency.exponent, "Storage", exact: false), openTime: utc(p.TimeCreate))
        }
    }
}
