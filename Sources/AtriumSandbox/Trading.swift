import Foundation

/// Open positions an account may have from generated trading.
private let maxGeneratedPositions = 3

extension SandboxPlatform {
    /// One tick of generated trading: each eligible account (group matches, enabled, not
    /// trade-disabled, positive balance) opens or closes a position with the configured chance.
    func generateTrades(now: Int64) {
        let probability = min(100, max(0, configuration.tradeProbabilityPercent))
        guard probability > 0 else { return }
        var transaction = Transaction(store: store)
        for login in store.accounts.keys.sorted() {
            guard let account = store.accounts[login], account.isEnabled, !account.isTradeDisabled,
                  account.balance > 0, tradeGroups.matches(account.group)
            else { continue }
            guard Int.random(in: 0..<100, using: &tradeGenerator) < probability else { continue }
            let open = store.openPositions(of: login)
            let opens: Bool
            if open.isEmpty {
                opens = true
            } else if open.count >= maxGeneratedPositions {
                opens = false
            } else {
                opens = Bool.random(using: &tradeGenerator)
            }
            if opens {
                openRandomPosition(account, now: now, into: &transaction)
            } else if let oldest = open.first, oldest.openTick < tickCount {
                close(oldest, of: account, now: now, into: &transaction)
            }
        }
        try? commit(transaction)
    }

    /// Opens 0.01–0.10 lots of a random symbol when its margin is at most 20 % of the free margin.
    private func openRandomPosition(_ account: Account, now: Int64, into transaction: inout Transaction) {
        let spec = SymbolSpec.all[Int.random(in: 0..<SymbolSpec.all.count, using: &tradeGenerator)]
        let volume = Int64.random(in: 1...10, using: &tradeGenerator) * 100
        let action = Bool.random(using: &tradeGenerator) ? DealAction.buy : DealAction.sell
        let price = prices.price(spec.name)
        let margin = Accounting.convert(
            usdCents: Accounting.marginUSDCents(spec, volume: volume, price: price, leverage: account.leverage),
            to: account.currency, eurusd: prices.eurusd
        )
        guard margin * 5 <= store.figures(account, prices: prices).freeMargin else { return }
        let ticket = transaction.nextTicket()
        let commission = Accounting.commission(volume: volume)
        transaction.add(Deal(
            ticket: ticket, login: account.login, time: now, action: action, entry: 0, symbol: spec.name,
            volume: volume, price: price, pricePosition: 0, profit: 0, commission: commission, storage: 0,
            comment: "", positionID: ticket
        ))
        transaction.open(Position(
            id: ticket, login: account.login, symbol: spec.name, action: action, volume: volume, openPrice: price,
            openTime: now, openTick: tickCount
        ))
        var changed = account
        changed.balance += commission
        transaction.save(changed)
    }

    /// Closes a position at the current price, crediting profit, commission and swap.
    private func close(_ position: Position, of account: Account, now: Int64, into transaction: inout Transaction) {
        guard let spec = SymbolSpec.named(position.symbol) else { return }
        let price = prices.price(spec.name)
        let profit = Accounting.convert(
            usdCents: Accounting.profitUSDCents(
                spec, action: position.action, volume: position.volume, open: position.openPrice, close: price
            ),
            to: account.currency, eurusd: prices.eurusd
        )
        let commission = Accounting.commission(volume: position.volume)
        let swap = Accounting.swap(volume: position.volume, heldSeconds: now - position.openTime)
        transaction.add(Deal(
            ticket: transaction.nextTicket(), login: account.login, time: now,
            action: position.action == DealAction.buy ? DealAction.sell : DealAction.buy, entry: 1,
            symbol: spec.name, volume: position.volume, price: price, pricePosition: position.openPrice,
            profit: profit, commission: commission, storage: swap, comment: "", positionID: position.id
        ))
        transaction.close(position.id)
        var changed = account
        changed.balance += profit + commission + swap
        transaction.save(changed)
    }

    /// `count` closed trades (an opening and a closing deal each) spread over the ten minutes before
    /// `now`, with small random profits applied to the balance. Returns how many were made.
    func generateClosedTrades(login: Int64, count: Int, now: Int64) throws(OperationError) -> Int {
        guard var account = store.accounts[login] else { throw .notFound }
        var transaction = Transaction(store: store)
        let eurusd = prices.eurusd
        let span: Int64 = 600
        var balanceChange: Int64 = 0
        for index in 0..<count {
            let spec = SymbolSpec.all[Int.random(in: 0..<SymbolSpec.all.count, using: &dealGenerator)]
            let volume = Int64.random(in: 1...10, using: &dealGenerator) * 100
            let action = Bool.random(using: &dealGenerator) ? DealAction.buy : DealAction.sell
            let openPrice = max(1, prices.price(spec.name) + Int64.random(in: -20...20, using: &dealGenerator) * spec.step)
            let closePrice = max(1, openPrice + Int64.random(in: -5...5, using: &dealGenerator) * spec.step)
            let openTime = now - span + Int64(index) * span / Int64(count)
            let closeTime = min(now, openTime + Int64.random(in: 1...300, using: &dealGenerator))
            let profit = Accounting.convert(
                usdCents: Accounting.profitUSDCents(spec, action: action, volume: volume, open: openPrice, close: closePrice),
                to: account.currency, eurusd: eurusd
            )
            let commission = Accounting.commission(volume: volume)
            let swap = Accounting.swap(volume: volume, heldSeconds: closeTime - openTime)
            let openTicket = transaction.nextTicket()
            transaction.add(Deal(
                ticket: openTicket, login: login, time: openTime, action: action, entry: 0, symbol: spec.name,
                volume: volume, price: openPrice, pricePosition: 0, profit: 0, commission: commission, storage: 0,
                comment: "", positionID: openTicket
            ))
            transaction.add(Deal(
                ticket: transaction.nextTicket(), login: login, time: closeTime,
                action: action == DealAction.buy ? DealAction.sell : DealAction.buy, entry: 1, symbol: spec.name,
                volume: volume, price: closePrice, pricePosition: openPrice, profit: profit, commission: commission,
                storage: swap, comment: "", positionID: openTicket
            ))
            balanceChange += profit + 2 * commission + swap
        }
        account.balance += balanceChange
        transaction.save(account)
        try commit(transaction)
        return count
    }
}
