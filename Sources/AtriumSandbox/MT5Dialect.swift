import Foundation

/// The MT5 Web API calls the sandbox answers, after `/api/`.
private let mt5Routes: Set<String> = [
    "auth/start", "auth/answer", "test/access", "user/add", "user/get", "user/get_batch", "user/update", "user/account/get",
    "trade/balance", "deal/get_page", "deal/get_batch", "position/get_page",
]

extension SandboxPlatform {
    /// Answers an `/api/...` request.
    func handleMT5(_ request: SandboxHTTPRequest, clock: RequestClock) -> SandboxHTTPResponse {
        let route = String(request.path.dropFirst("/api/".count))
        guard request.path.hasPrefix("/api/"), mt5Routes.contains(route) else {
            return mt5(MT5Retcode.invalidParameters, status: 404)
        }
        switch route {
        case "auth/start": return mt5AuthStart(request, clock: clock)
        case "auth/answer": return mt5AuthAnswer(request, clock: clock)
        default: break
        }
        guard mt5Authenticate(request, clock: clock) else { return mt5(MT5Retcode.notEnoughPermissions) }
        let query = request.query
        switch route {
        case "test/access": return mt5(MT5Retcode.done)
        case "user/add": return mt5UserAdd(request, clock: clock)
        case "user/get":
            guard let login = query["login"].flatMap(FixedPoint.parseInteger) else {
                return mt5(MT5Retcode.invalidParameters)
            }
            guard let account = store.accounts[login] else { return mt5(MT5Retcode.notFound) }
            return mt5Answer(mt5User(account))
        case "user/get_batch":
            let mask = GroupMask(query["group"] ?? "")
            guard !mask.isEmpty else { return mt5(MT5Retcode.invalidParameters) }
            return mt5Answer(store.accounts.values.filter { mask.matches($0.group) }.sorted { $0.login < $1.login }.map(mt5User))
        case "user/update": return mt5UserUpdate(request)
        case "user/account/get":
            guard let login = query["login"].flatMap(FixedPoint.parseInteger) else {
                return mt5(MT5Retcode.invalidParameters)
            }
            guard let account = store.accounts[login] else { return mt5(MT5Retcode.notFound) }
            return mt5Answer(mt5Account(account))
        case "trade/balance": return mt5TradeBalance(query, clock: clock)
        case "deal/get_page": return mt5DealPage(query)
        case "deal/get_batch": return mt5DealBatch(query)
        case "position/get_page": return mt5PositionPage(query, clock: clock)
        default: return mt5(MT5Retcode.invalidParameters, status: 404)
        }
    }

    func mt5Answer(_ answer: some Encodable) -> SandboxHTTPResponse {
        JSONOut.response(200, MT5Envelope(retcode: MT5Retcode.done, answer: answer))
    }

    /// The MT5 answer for a refused operation.
    func mt5Failure(_ error: OperationError) -> SandboxHTTPResponse {
        switch error {
        case .invalidParameters, .accountDisabled, .invalidLeverage: return mt5(MT5Retcode.invalidParameters)
        case .notFound: return mt5(MT5Retcode.notFound)
        case .notEnoughMoney: return mt5(MT5Retcode.notEnoughMoney)
        case .persistence: return mt5(MT5Retcode.noService, status: 500)
        }
    }

    /// Server-local seconds for a UTC time.
    func mt5Time(_ utc: Int64) -> Int64 { utc + Int64(configuration.timeOffsetMinutes) * 60 }

    // MARK: - Users

    private func mt5UserAdd(_ request: SandboxHTTPRequest, clock: RequestClock) -> SandboxHTTPResponse {
        guard let password = request.query["pass_main"], password.count >= 8,
              let body = JSONValue.object(from: request.body),
              let groupName = mt5Field(body, "Group")?.string, let group = store.group(named: groupName),
              let leverage = mt5Field(body, "Leverage")?.integer.flatMap({ Int(exactly: $0) })
        else { return mt5(MT5Retcode.invalidParameters) }
        var rights: UInt64?
        if let value = mt5Field(body, "Rights") {
            guard let parsed = parseRights(value) else { return mt5(MT5Retcode.invalidParameters) }
            rights = parsed
        }
        let name = mt5Field(body, "Name")?.string ?? ""
        let email = mt5Field(body, "Email")?.string ?? ""
        do {
            let account = try createAccount(
                group: group, name: name, email: email, leverage: leverage, rights: rights, password: password,
                personUUID: nil, matchTrader: false, newGroup: false, now: clock.seconds
            )
            return mt5Answer(mt5User(account))
        } catch {
            return mt5Failure(error)
        }
    }

    private func mt5UserUpdate(_ request: SandboxHTTPRequest) -> SandboxHTTPResponse {
        guard let login = request.query["login"].flatMap(FixedPoint.parseInteger) else {
            return mt5(MT5Retcode.invalidParameters)
        }
        guard store.accounts[login] != nil else { return mt5(MT5Retcode.notFound) }
        guard let body = JSONValue.object(from: request.body) else { return mt5(MT5Retcode.invalidParameters) }
        var leverage: Int?
        var rights: UInt64?
        if let value = mt5Field(body, "Leverage") {
            guard let parsed = value.integer.flatMap({ Int(exactly: $0) }) else {
                return mt5(MT5Retcode.invalidParameters)
            }
            leverage = parsed
        }
        if let value = mt5Field(body, "Rights") {
            guard let parsed = parseRights(value) else { return mt5(MT5Retcode.invalidParameters) }
            rights = parsed
        }
        let name = mt5Field(body, "Name")?.string
        let email = mt5Field(body, "Email")?.string
        guard leverage != nil || rights != nil || name != nil || email != nil else {
            return mt5(MT5Retcode.invalidParameters)
        }
        do {
            let account = try updateAccount(login: login, leverage: leverage, rights: rights, name: name, email: email)
            return mt5Answer(mt5User(account))
        } catch {
            return mt5Failure(error)
        }
    }

    /// A body field by its MT5 name, falling back to a case-insensitive match.
    private func mt5Field(_ body: [String: JSONValue], _ name: String) -> JSONValue? {
        if let value = body[name] { return value }
        let lowered = name.lowercased()
        return body.first { $0.key.lowercased() == lowered }?.value
    }

    /// Rights as a decimal number or string, or a `0x` hex string.
    private func parseRights(_ value: JSONValue) -> UInt64? {
        guard let text = value.text else { return nil }
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return UInt64(text.dropFirst(2), radix: 16) }
        guard !text.isEmpty, text.allSatisfy(\.isASCIIDigitCharacter) else { return nil }
        return UInt64(text)
    }

    private func mt5User(_ account: Account) -> MT5User {
        MT5User(
            login: String(account.login), group: account.group, name: account.name, email: account.email,
            leverage: String(account.leverage), rights: String(account.rights),
            registration: String(mt5Time(account.registration)),
            balance: FixedPoint.format(account.balance, digits: currencyDigits),
            credit: FixedPoint.format(account.credit, digits: currencyDigits)
        )
    }

    private func mt5Account(_ account: Account) -> MT5Account {
        let figures = store.figures(account, prices: prices)
        func money(_ value: Int64) -> String { FixedPoint.format(value, digits: currencyDigits) }
        return MT5Account(
            login: String(account.login), currencyDigits: String(currencyDigits), balance: money(figures.balance),
            credit: money(figures.credit), equity: money(figures.equity), margin: money(figures.margin),
            marginFree: money(figures.freeMargin),
            marginLevel: FixedPoint.format(figures.marginLevelHundredths, digits: 2), profit: money(figures.profit)
        )
    }

    // MARK: - Balance

    private func mt5TradeBalance(_ query: [String: String], clock: RequestClock) -> SandboxHTTPResponse {
        guard let login = query["login"].flatMap(FixedPoint.parseInteger), query["type"] == "2",
              let amountText = query["balance"],
              let amount = FixedPoint.parse(amountText, digits: currencyDigits, allowSign: true), amount != 0
        else { return mt5(MT5Retcode.invalidParameters) }
        do {
            let outcome = try applyBalance(login: login, amount: amount, reference: query["comment"] ?? "", now: clock.seconds)
            return mt5Answer(MT5Ticket(ticket: String(outcome.deal.ticket)))
        } catch {
            return mt5Failure(error)
        }
    }

    // MARK: - Deals and positions

    /// `from`/`to` (server-local seconds, inclusive) as a UTC range.
    private func utcRange(_ query: [String: String]) -> ClosedRange<Int64>? {
        let offset = Int64(configuration.timeOffsetMinutes) * 60
        var from = Int64.min / 2
        var to = Int64.max / 2
        if let text = query["from"] {
            guard let value = FixedPoint.parseInteger(text) else { return nil }
            from = value - offset
        }
        if let text = query["to"] {
            guard let value = FixedPoint.parseInteger(text) else { return nil }
            to = value - offset
        }
        return from <= to ? from...to : nil
    }

    /// `offset`/`total` paging (defaults 0 and 1000).
    private func paging(_ query: [String: String]) -> (offset: Int, total: Int)? {
        var offset = 0
        var total = 1_000
        if let text = query["offset"] {
            guard let value = FixedPoint.parseInteger(text), value >= 0, let int = Int(exactly: value) else { return nil }
            offset = int
        }
        if let text = query["total"] {
            guard let value = FixedPoint.parseInteger(text), value >= 0, let int = Int(exactly: value) else { return nil }
            total = int
        }
        return (offset, total)
    }

    private func mt5DealPage(_ query: [String: String]) -> SandboxHTTPResponse {
        guard let login = query["login"].flatMap(FixedPoint.parseInteger), let range = utcRange(query),
              let page = paging(query)
        else { return mt5(MT5Retcode.invalidParameters) }
        guard store.accounts[login] != nil else { return mt5(MT5Retcode.notFound) }
        var result = [MT5Deal]()
        var skipped = 0
        for index in store.dealIndexesByLogin[login] ?? [] {
            if result.count >= page.total { break }
            let deal = store.deals[index]
            guard range.contains(deal.time) else { continue }
            if skipped < page.offset {
                skipped += 1
                continue
            }
            result.append(mt5Deal(deal))
        }
        return mt5Answer(result)
    }

    private func mt5DealBatch(_ query: [String: String]) -> SandboxHTTPResponse {
        guard let range = utcRange(query) else { return mt5(MT5Retcode.invalidParameters) }
        var logins = Set<Int64>()
        if let text = query["login"], !text.isEmpty {
            for part in text.split(separator: ",") {
                guard let login = FixedPoint.parseInteger(part.trimmingCharacters(in: .whitespaces)) else {
                    return mt5(MT5Retcode.invalidParameters)
                }
                logins.insert(login)
            }
        }
        let mask = GroupMask(query["group"] ?? "")
        guard !logins.isEmpty || !mask.isEmpty else { return mt5(MT5Retcode.invalidParameters) }
        if !mask.isEmpty {
            for account in store.accounts.values where mask.matches(account.group) { logins.insert(account.login) }
        }
        var indexes = [Int]()
        for login in logins {
            for index in store.dealIndexesByLogin[login] ?? [] where range.contains(store.deals[index].time) {
                indexes.append(index)
            }
        }
        indexes.sort()
        return mt5Answer(indexes.map { mt5Deal(store.deals[$0]) })
    }

    private func mt5PositionPage(_ query: [String: String], clock: RequestClock) -> SandboxHTTPResponse {
        guard let login = query["login"].flatMap(FixedPoint.parseInteger), let page = paging(query) else {
            return mt5(MT5Retcode.invalidParameters)
        }
        guard let account = store.accounts[login] else { return mt5(MT5Retcode.notFound) }
        let positions = store.openPositions(of: login).dropFirst(page.offset).prefix(page.total)
        return mt5Answer(positions.map { position in
            let spec = SymbolSpec.named(position.symbol)
            func price(_ points: Int64) -> String { spec?.format(points) ?? String(points) }
            return MT5Position(
                position: String(position.id), login: String(position.login), symbol: position.symbol,
                action: String(position.action), volume: String(position.volume),
                priceOpen: price(position.openPrice), priceCurrent: price(prices.price(position.symbol)),
                profit: FixedPoint.format(
                    store.floatingProfit(position, currency: account.currency, prices: prices), digits: currencyDigits
                ),
                storage: FixedPoint.format(
                    Accounting.swap(volume: position.volume, heldSeconds: clock.seconds - position.openTime),
                    digits: currencyDigits
                ),
                timeCreate: String(mt5Time(position.openTime))
            )
        })
    }

    private func mt5Deal(_ deal: Deal) -> MT5Deal {
        let spec = SymbolSpec.named(deal.symbol)
        func price(_ points: Int64) -> String { spec?.format(points) ?? String(points) }
        func money(_ value: Int64) -> String { FixedPoint.format(value, digits: currencyDigits) }
        let offsetMilliseconds = Int64(configuration.timeOffsetMinutes) * 60_000
        return MT5Deal(
            deal: String(deal.ticket), login: String(deal.login), time: String(mt5Time(deal.time)),
            timeMsc: String(deal.milliseconds + offsetMilliseconds), action: String(deal.action), entry: String(deal.entry),
            symbol: deal.symbol, volume: String(deal.volume), volumeExt: String(deal.exactVolume),
            volumeClosed: String(deal.exactClosedVolume / 10_000), volumeClosedExt: String(deal.exactClosedVolume),
            price: price(deal.price), pricePosition: price(deal.pricePosition), profit: money(deal.profit),
            commission: money(deal.commission), storage: money(deal.storage), comment: deal.comment,
            positionID: String(deal.positionID)
        )
    }
}
