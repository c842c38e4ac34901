import Foundation

extension SandboxPlatform {
    /// Answers a `/mtr/...` request: API key, rate limit, then the call.
    func handleMatchTrader(_ request: SandboxHTTPRequest, clock: RequestClock) -> SandboxHTTPResponse {
        var key = request.header("authorization") ?? ""
        if key.hasPrefix("Bearer ") { key = String(key.dropFirst("Bearer ".count)) }
        guard configuration.matchTraderAPIKeys.contains(key) else {
            return mtrError(401, "UNAUTHORIZED", "missing or unknown API key")
        }
        if let retryAfter = rateLimiter.admit(key: key, now: clock.milliseconds) {
            return JSONOut.response(
                429,
                MTRError(code: "TOO_MANY_REQUESTS", message: "rate limit of \(rateLimiter.limit) requests per minute"),
                headers: [("Retry-After", String(retryAfter))]
            )
        }
        let parts = Array(request.path.split(separator: "/").map(String.init).dropFirst())
        let method = request.method.uppercased()
        let notFound = mtrError(404, "NOT_FOUND", "no such endpoint: \(request.method) \(request.path)")
        guard parts.first == "v1", parts.count >= 2 else { return notFound }
        switch (method, parts.count, parts[1]) {
        case ("GET", 2, "ping"):
            return JSONOut.response(200, MTRPing(status: "ok"))
        case ("POST", 2, "accounts"):
            return mtrCreatePerson(request, clock: clock)
        case ("POST", 2, "trading-accounts"):
            return mtrCreateTradingAccount(request, clock: clock)
        case ("GET", 2, "trading-accounts"):
            // Lookup by the person's email (and optionally group), newest last.
            let email = (request.query["email"] ?? "").lowercased()
            let group = request.query["group"]
            let found = store.accounts.values.filter { $0.email.lowercased() == email && (group == nil || $0.group == group) }.sorted { $0.login < $1.login }
            return mtrAnswer(200, MTRItems(items: found.map(mtrTradingAccount)))
        case ("GET", 2, "closed-positions"):
            return mtrClosedPositions(request.query)
        case (_, 3, "trading-accounts"), (_, 4, "trading-accounts"):
            break
        default:
            return notFound
        }
        let login = parts[2]
        switch (method, parts.count == 4 ? parts[3] : "") {
        case ("GET", ""):
            return withAccount(login) { mtrAnswer(200, mtrTradingAccount($0)) }
        case ("PATCH", ""):
            return withAccount(login) { mtrUpdate($0, request) }
        case ("POST", "deposits"):
            return withAccount(login) { mtrBalance($0, request, deposit: true, clock: clock) }
        case ("POST", "withdrawals"):
            return withAccount(login) { mtrBalance($0, request, deposit: false, clock: clock) }
        case ("GET", "ledger"):
            return withAccount(login) { mtrLedger($0, reference: request.query["reference"]) }
        case ("GET", "positions"):
            return withAccount(login) { mtrPositions($0, clock: clock) }
        default:
            return notFound
        }
    }

    private func mtrAnswer(_ status: Int, _ value: some Encodable) -> SandboxHTTPResponse {
        JSONOut.response(status, value)
    }

    func mtrError(_ status: Int, _ code: String, _ message: String) -> SandboxHTTPResponse {
        JSONOut.response(status, MTRError(code: code, message: message))
    }

    /// The Match-Trader answer for a refused operation.
    private func mtrFailure(_ error: OperationError) -> SandboxHTTPResponse {
        switch error {
        case .invalidParameters(let message): return mtrError(400, "INVALID_REQUEST", message)
        case .notFound: return mtrError(404, "NOT_FOUND", "trading account not found")
        case .notEnoughMoney: return mtrError(422, "NOT_ENOUGH_MONEY", "amount is above the free margin")
        case .accountDisabled: return mtrError(422, "ACCOUNT_DISABLED", "the trading account is disabled")
        case .invalidLeverage: return mtrError(422, "INVALID_LEVERAGE", "leverage must be 1 to 3000")
        case .persistence(let message): return mtrError(500, "INTERNAL", "cannot persist: \(message)")
        }
    }

    private func withAccount(_ loginText: String, _ body: (Account) -> SandboxHTTPResponse) -> SandboxHTTPResponse {
        guard let login = FixedPoint.parseInteger(loginText), let account = store.accounts[login] else {
            return mtrError(404, "NOT_FOUND", "trading account \(loginText) not found")
        }
        return body(account)
    }

    private func invalid(_ message: String) -> SandboxHTTPResponse { mtrError(400, "INVALID_REQUEST", message) }

    // MARK: - Accounts

    private func mtrCreatePerson(_ request: SandboxHTTPRequest, clock: RequestClock) -> SandboxHTTPResponse {
        guard let body = JSONValue.object(from: request.body), let email = body["email"]?.string,
              !email.trimmingCharacters(in: .whitespaces).isEmpty
        else { return invalid("email is required") }
        let name = body["name"]?.string ?? ""
        if let uuid = store.personByEmail[email.lowercased()], let person = store.persons[uuid] {
            return mtrAnswer(200, mtrPerson(person))
        }
        let person = Person(uuid: UUID().uuidString.lowercased(), email: email, name: name, created: clock.seconds)
        var transaction = Transaction(store: store)
        transaction.add(person)
        do {
            try commit(transaction)
        } catch {
            return mtrFailure(error)
        }
        return mtrAnswer(201, mtrPerson(person))
    }

    private func mtrPerson(_ person: Person) -> MTRPerson {
        MTRPerson(uuid: person.uuid, email: person.email, name: person.name, created: UnixTime.iso8601(person.created))
    }

    private func mtrCreateTradingAccount(_ request: SandboxHTTPRequest, clock: RequestClock) -> SandboxHTTPResponse {
        guard let body = JSONValue.object(from: request.body) else { return invalid("body must be a JSON object") }
        guard let groupName = body["group"]?.string, !groupName.isEmpty else { return invalid("group is required") }
        guard let leverageValue = body["leverage"] else { return invalid("leverage is required") }
        guard let leverage = leverageValue.integer.flatMap({ Int(exactly: $0) }) else {
            return invalid("leverage must be an integer")
        }
        guard let password = body["password"]?.string, !password.isEmpty else { return invalid("password is required") }
        var currency = body["currency"]?.string
        if let given = currency, given != "USD", given != "EUR" { return invalid("currency must be USD or EUR") }
        var person: Person?
        if let uuid = body["accountUuid"]?.string {
            guard let found = store.persons[uuid] else {
                return mtrError(404, "NOT_FOUND", "account \(uuid) not found")
            }
            person = found
        }
        let group: SandboxGroup
        let newGroup: Bool
        if let known = store.group(named: groupName) {
            if let currency, currency != known.currency {
                return invalid("group \(known.name) is in \(known.currency), not \(currency)")
            }
            group = known
            newGroup = false
        } else {
            guard let given = currency else { return invalid("currency is required for a new group") }
            currency = given
            group = SandboxGroup(name: groupName, currency: given)
            newGroup = true
        }
        do {
            let account = try createAccount(
                group: group, name: person?.name ?? body["name"]?.string ?? "",
                email: person?.email ?? body["email"]?.string ?? "", leverage: leverage, rights: nil,
                password: password, personUUID: person?.uuid, matchTrader: true, newGroup: newGroup, now: clock.seconds
            )
            return mtrAnswer(201, mtrTradingAccount(account))
        } catch {
            return mtrFailure(error)
        }
    }

    private func mtrTradingAccount(_ account: Account) -> MTRTradingAccount {
        let figures = store.figures(account, prices: prices)
        func money(_ value: Int64) -> String { FixedPoint.format(value, digits: currencyDigits) }
        return MTRTradingAccount(
            login: account.login, accountUuid: account.personUUID, group: account.group, currency: account.currency,
            leverage: account.leverage, access: Access(rights: account.rights).rawValue, name: account.name,
            email: account.email, balance: money(figures.balance), credit: money(figures.credit),
            equity: money(figures.equity), margin: money(figures.margin), freeMargin: money(figures.freeMargin),
            marginLevel: FixedPoint.format(figures.marginLevelHundredths, digits: 2), profit: money(figures.profit),
            created: UnixTime.iso8601(account.registration)
        )
    }

    private func mtrUpdate(_ account: Account, _ request: SandboxHTTPRequest) -> SandboxHTTPResponse {
        guard let body = JSONValue.object(from: request.body) else { return invalid("body must be a JSON object") }
        var leverage: Int?
        var rights: UInt64?
        if let value = body["leverage"] {
            guard let parsed = value.integer.flatMap({ Int(exactly: $0) }) else {
                return invalid("leverage must be an integer")
            }
            leverage = parsed
        }
        if let value = body["access"] {
            guard let text = value.string, let access = Access(rawValue: text) else {
                return invalid("access must be FULL, READ_ONLY or DISABLED")
            }
            rights = access.applied(to: account.rights)
        }
        guard leverage != nil || rights != nil else { return invalid("nothing to change") }
        do {
            return mtrAnswer(200, mtrTradingAccount(try updateAccount(login: account.login, leverage: leverage, rights: rights)))
        } catch {
            return mtrFailure(error)
        }
    }

    // MARK: - Balance

    private func mtrBalance(
        _ account: Account, _ request: SandboxHTTPRequest, deposit: Bool, clock: RequestClock
    ) -> SandboxHTTPResponse {
        guard let body = JSONValue.object(from: request.body) else { return invalid("body must be a JSON object") }
        guard let amountText = body["amount"]?.string,
              let amount = FixedPoint.parse(amountText, digits: currencyDigits, allowSign: false), amount > 0
        else { return invalid("amount must be a positive decimal string with at most 2 decimals") }
        guard let reference = body["reference"]?.string, !reference.isEmpty else {
            return invalid("reference is required")
        }
        do {
            let outcome = try applyBalance(
                login: account.login, amount: deposit ? amount : -amount, reference: reference, now: clock.seconds
            )
            return mtrAnswer(200, MTRBalanceResult(
                ticket: outcome.deal.ticket, reference: reference,
                amount: FixedPoint.format(abs(outcome.deal.profit), digits: currencyDigits),
                alreadyApplied: outcome.alreadyApplied
            ))
        } catch {
            return mtrFailure(error)
        }
    }

    private func mtrLedger(_ account: Account, reference: String?) -> SandboxHTTPResponse {
        var items = [MTRLedgerItem]()
        for index in store.dealIndexesByLogin[account.login] ?? [] {
            let deal = store.deals[index]
            guard deal.action == DealAction.balance else { continue }
            if let reference, !reference.isEmpty, deal.comment != reference { continue }
            items.append(MTRLedgerItem(
                ticket: deal.ticket, type: deal.profit >= 0 ? "DEPOSIT" : "WITHDRAWAL",
                amount: FixedPoint.format(abs(deal.profit), digits: currencyDigits), reference: deal.comment,
                time: UnixTime.iso8601(deal.time)
            ))
        }
        return mtrAnswer(200, MTRItems(items: items))
    }

    // MARK: - Positions

    private func mtrPositions(_ account: Account, clock: RequestClock) -> SandboxHTTPResponse {
        let items = store.openPositions(of: account.login).map { position in
            let spec = SymbolSpec.named(position.symbol)
            func price(_ points: Int64) -> String { spec?.format(points) ?? String(points) }
            return MTROpenPosition(
                id: position.id, login: position.login, symbol: position.symbol, side: sideText(position.action),
                volume: lotsText(position.volume), openPrice: price(position.openPrice),
                currentPrice: price(prices.price(position.symbol)),
                profit: FixedPoint.format(
                    store.floatingProfit(position, currency: account.currency, prices: prices), digits: currencyDigits
                ),
                swap: FixedPoint.format(
                    Accounting.swap(volume: position.volume, heldSeconds: clock.seconds - position.openTime),
                    digits: currencyDigits
                ),
                openTime: UnixTime.iso8601(position.openTime)
            )
        }
        return mtrAnswer(200, MTRItems(items: items))
    }

    private func mtrClosedPositions(_ query: [String: String]) -> SandboxHTTPResponse {
        var afterID: Int64 = 0
        var limit = 500
        if let text = query["afterId"] {
            guard let value = FixedPoint.parseInteger(text) else { return invalid("afterId must be an integer") }
            afterID = value
        }
        if let text = query["limit"] {
            guard let value = FixedPoint.parseInteger(text), value >= 1 else {
                return invalid("limit must be a positive integer")
            }
            limit = Int(min(value, 1_000))
        }
        let mask = GroupMask(query["group"] ?? "*")
        var logins = Set<Int64>()
        for account in store.accounts.values where mask.matches(account.group) { logins.insert(account.login) }
        var items = [MTRClosedPosition]()
        var hasMore = false
        var cursor = store.firstClosingDeal(after: afterID)
        while cursor < store.closingDealIndexes.count {
            let deal = store.deals[store.closingDealIndexes[cursor]]
            cursor += 1
            guard logins.contains(deal.login) else { continue }
            if items.count == limit {
                hasMore = true
                break
            }
            items.append(mtrClosedPosition(deal))
        }
        return mtrAnswer(200, MTRPage(items: items, hasMore: hasMore))
    }

    /// A closing deal (out, the closing part of an inout, out_by) as a closed position: its volume is
    /// the volume it closed, and it carries the opening deal's commission in proportion to that
    /// volume (all of it when the whole position closes at once, as before partial closes existed).
    private func mtrClosedPosition(_ deal: Deal) -> MTRClosedPosition {
        let opening = store.deal(ticket: deal.positionID)
        let spec = SymbolSpec.named(deal.symbol)
        func price(_ points: Int64) -> String { spec?.format(points) ?? String(points) }
        func money(_ value: Int64) -> String { FixedPoint.format(value, digits: currencyDigits) }
        let positionAction = deal.action == DealAction.buy ? DealAction.sell : DealAction.buy
        let closed = deal.exactClosedVolume
        let openingCommission = opening.map { $0.commission * closed / max(1, $0.exactVolume) } ?? 0
        let closingCommission = deal.entry == DealEntry.reversal ? deal.commission * closed / max(1, deal.exactVolume) : deal.commission
        return MTRClosedPosition(
            id: deal.ticket, login: deal.login, symbol: deal.symbol, side: sideText(positionAction),
            volume: lotsText(closed / 10_000), openPrice: price(deal.pricePosition), closePrice: price(deal.price),
            profit: money(deal.profit), commission: money(closingCommission + openingCommission),
            swap: money(deal.storage), openTime: UnixTime.iso8601(opening?.time ?? deal.time),
            closeTime: UnixTime.iso8601(deal.time)
        )
    }
}
