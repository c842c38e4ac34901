import Foundation

/// A trade asked for through `/control` (tests and demos script positions with it): every deal
/// carries the extended volume, the millisecond time and the position id, as MT5 reports them.
struct ManualTrade {
    var login: Int64
    /// 1/100,000,000 lot.
    var volumeExt: Int64?
    /// Points of the symbol; the current price when nil.
    var price: Int64?
}

extension SandboxPlatform {
    /// Opens a position at the price: an IN deal whose ticket becomes the position id.
    func openPosition(_ trade: ManualTrade, symbol: String, action: Int, clock: RequestClock) throws(OperationError) -> [Deal] {
        guard var account = store.accounts[trade.login] else { throw .notFound }
        guard let spec = SymbolSpec.named(symbol) else { throw .invalidParameters("unknown symbol \(symbol)") }
        let volumeExt = try Self.tradeVolume(trade.volumeExt)
        let price = trade.price ?? prices.price(spec.name)
        var transaction = Transaction(store: store)
        let ticket = transaction.nextTicket()
        let commission = Accounting.commission(volumeExt: volumeExt)
        let deal = Deal(
            ticket: ticket, login: account.login, time: clock.seconds, action: action, entry: DealEntry.open, symbol: spec.name,
            volume: volumeExt / 10_000, price: price, pricePosition: 0, profit: 0, commission: commission, storage: 0,
            comment: "", positionID: ticket, volumeExt: volumeExt, volumeClosedExt: 0, timeMsc: clock.milliseconds
        )
        transaction.add(deal)
        transaction.open(Position(
            id: ticket, login: account.login, symbol: spec.name, action: action, volume: volumeExt / 10_000, openPrice: price,
            openTime: clock.seconds, openTick: tickCount, volumeExt: volumeExt
        ))
        account.balance += commission
        transaction.save(account)
        try commit(transaction)
        return [deal]
    }

    /// Closes `volumeExt` of a position (all of it when nil) with an OUT deal; less than the whole
    /// position is a partial close and leaves the rest open under the same id.
    func closePosition(_ trade: ManualTrade, position id: Int64, clock: RequestClock) throws(OperationError) -> [Deal] {
        let (account, position) = try heldPosition(id, of: trade.login)
        let volumeExt = try Self.tradeVolume(trade.volumeExt ?? position.exactVolume)
        guard volumeExt <= position.exactVolume else {
            throw .invalidParameters("volume is above the position's \(position.exactVolume); a larger opposite deal is a reversal")
        }
        var transaction = Transaction(store: store)
        let deal = closingDeal(position, volumeExt: volumeExt, closedExt: volumeExt, entry: DealEntry.close,
                               price: trade.price ?? prices.price(position.symbol), account: account, clock: clock, into: &transaction)
        var rest = position
        rest.volumeExt = position.exactVolume - volumeExt
        rest.volume = rest.exactVolume / 10_000
        if rest.exactVolume == 0 { transaction.close(position.id) } else { transaction.open(rest) }
        try commit(transaction)
        return [deal]
    }

    /// An opposite deal of `volumeExt`, larger than the position: one INOUT deal that closes the
    /// position and opens the rest the other way. As in MT5's netting mode the position keeps its
    /// id (`PositionID` of the deal); its side, volume, open price and time become the new ones.
    func reversePosition(_ trade: ManualTrade, position id: Int64, clock: RequestClock) throws(OperationError) -> [Deal] {
        let (account, position) = try heldPosition(id, of: trade.login)
        let volumeExt = try Self.tradeVolume(trade.volumeExt)
        guard volumeExt > position.exactVolume else {
            throw .invalidParameters("a reversal needs a volume above the position's \(position.exactVolume)")
        }
        let price = trade.price ?? prices.price(position.symbol)
        var transaction = Transaction(store: store)
        let deal = closingDeal(position, volumeExt: volumeExt, closedExt: position.exactVolume, entry: DealEntry.reversal,
                               price: price, account: account, clock: clock, into: &transaction)
        var reversed = position
        reversed.action = deal.action
        reversed.volumeExt = volumeExt - position.exactVolume
        reversed.volume = reversed.exactVolume / 10_000
        reversed.openPrice = price
        reversed.openTime = clock.seconds
        reversed.openTick = tickCount
        transaction.open(reversed)
        try commit(transaction)
        return [deal]
    }

    /// Closes a position by an opposite one of the same login and symbol (hedging mode): two
    /// OUT_BY deals of the smaller volume. The first position closes at the opposite one's open
    /// price and takes the whole profit; the opposite one closes at its own open price (profit 0).
    func closeBy(login: Int64, position id: Int64, by oppositeID: Int64, clock: RequestClock) throws(OperationError) -> [Deal] {
        let (account, first) = try heldPosition(id, of: login)
        let (_, opposite) = try heldPosition(oppositeID, of: login)
        guard first.symbol == opposite.symbol, first.action != opposite.action, first.id != opposite.id else {
            throw .invalidParameters("close-by needs an opposite position on the same symbol")
        }
        let volumeExt = min(first.exactVolume, opposite.exactVolume)
        var transaction = Transaction(store: store)
        var deals: [Deal] = []
        var current = account
        for (position, price) in [(first, opposite.openPrice), (opposite, opposite.openPrice)] {
            let deal = closingDeal(position, volumeExt: volumeExt, closedExt: volumeExt, entry: DealEntry.closeBy,
                                   price: price, account: current, clock: clock, into: &transaction)
            current = transaction.account(login, in: store) ?? current
            deals.append(deal)
            var rest = position
            rest.volumeExt = position.exactVolume - volumeExt
            rest.volume = rest.exactVolume / 10_000
            if rest.exactVolume == 0 { transaction.close(position.id) } else { transaction.open(rest) }
        }
        try commit(transaction)
        return deals
    }

    /// A dealer's correction of a deal's volume and/or commission, in place (same ticket, entry and
    /// time). The balance moves by the commission difference; positions are left as they are.
    func correctDeal(ticket: Int64, volumeExt: Int64?, commission: Int64?) throws(OperationError) -> Deal {
        guard var deal = store.deal(ticket: ticket), deal.action != DealAction.balance else { throw .notFound }
        guard var account = store.accounts[deal.login] else { throw .notFound }
        var transaction = Transaction(store: store)
        if let volumeExt {
            let volume = try Self.tradeVolume(volumeExt)
            let closed = deal.exactClosedVolume
            deal.volumeClosedExt = deal.entry == DealEntry.open ? 0 : deal.entry == DealEntry.reversal ? min(closed, volume) : volume
            deal.volumeExt = volume
            deal.volume = volume / 10_000
        }
        if let commission {
            account.balance += commission - deal.commission
            deal.commission = commission
            transaction.save(account)
        }
        transaction.correct(deal)
        try commit(transaction)
        return deal
    }

    /// The account and an open position of it.
    private func heldPosition(_ id: Int64, of login: Int64) throws(OperationError) -> (Account, Position) {
        guard let account = store.accounts[login] else { throw .notFound }
        guard let position = store.positions[id], position.login == login else {
            throw .invalidParameters("no open position \(id) on \(login)")
        }
        return (account, position)
    }

    /// A deal against `position` of `volumeExt` that closes `closedExt` of it: profit and swap on the
    /// closed part, commission on the whole deal, all applied to the balance.
    private func closingDeal(_ position: Position, volumeExt: Int64, closedExt: Int64, entry: Int, price: Int64, account: Account,
                             clock: RequestClock, into transaction: inout Transaction) -> Deal {
        let closedVolume = closedExt / 10_000
        let spec = SymbolSpec.named(position.symbol)
        let profit = spec.map {
            Accounting.convert(
                usdCents: Accounting.profitUSDCents($0, action: position.action, volume: closedVolume, open: position.openPrice, close: price),
                to: account.currency, eurusd: prices.eurusd
            )
        } ?? 0
        let commission = Accounting.commission(volumeExt: volumeExt)
        let swap = Accounting.swap(volume: closedVolume, heldSeconds: clock.seconds - position.openTime)
        let deal = Deal(
            ticket: transaction.nextTicket(), login: account.login, time: clock.seconds,
            action: position.action == DealAction.buy ? DealAction.sell : DealAction.buy, entry: entry, symbol: position.symbol,
            volume: volumeExt / 10_000, price: price, pricePosition: position.openPrice, profit: profit, commission: commission,
            storage: swap, comment: "", positionID: position.id, volumeExt: volumeExt, volumeClosedExt: closedExt,
            timeMsc: clock.milliseconds
        )
        transaction.add(deal)
        var changed = account
        changed.balance += profit + commission + swap
        transaction.save(changed)
        return deal
    }

    /// A trade volume: at least 0.0001 lot (MT5 `Volume` 1), so every deal has a standard volume too.
    private static func tradeVolume(_ volumeExt: Int64?) throws(OperationError) -> Int64 {
        guard let volumeExt, volumeExt >= 10_000, volumeExt <= 100_000_000_000 else {
            throw .invalidParameters("volume must be 0.0001 to 1000 lots")
        }
        return volumeExt
    }
}
