import Foundation

extension MatchTraderClient {
    /// The deal ids of a closed position: `2 × id` for its IN deal and `2 × id + 1` for its OUT
    /// deal. Closed-position ids are unique per connection, so no two deals of a connection share
    /// an id; nil when the id is too large to double.
    public static func dealIDs(closedPosition id: Int64) -> (open: Int64, close: Int64)? {
        guard id >= 0, id <= (Int64.max - 1) / 2 else { return nil }
        return (2 * id, 2 * id + 1)
    }

    /// A closed position as its two deals. Match-Trader reports one commission for the round
    /// trip: it is put on the OUT deal (the IN deal has commission 0), like the profit. The volume
    /// is read exactly in 1/100,000,000 lot.
    static func platformDeals(_ c: Closed, trade: ClosedTrade, currency: String) throws -> [PlatformDeal] {
        guard let ids = dealIDs(closedPosition: trade.ticket) else { throw PlatformError.malformed("/v1/closed-positions: id \(trade.ticket) out of range") }
        guard let volumeExt = DecimalText.minor(c.volume, exponent: 8), volumeExt >= 0 else {
            throw PlatformError.malformed("/v1/closed-positions: volume is not a decimal with at most 8 places: \(c.volume.prefix(20))")
        }
        guard volumeExt > 0 else { return [] }
        let closeMsc = trade.closeTime.unixMilliseconds
        let opening = PlatformDeal(deal: ids.open, login: trade.login, positionID: trade.ticket, entry: .entryIn, side: trade.side, symbol: trade.symbol,
                                   volumeExt: volumeExt, closedVolumeExt: 0, price: trade.openPrice, profit: 0, commission: 0,
                                   timeMsc: trade.openTime?.unixMilliseconds ?? closeMsc, currency: currency, streamTicket: trade.ticket)
        let closing = PlatformDeal(deal: ids.close, login: trade.login, positionID: trade.ticket, entry: .out, side: trade.side == .buy ? .sell : .buy,
                                   symbol: trade.symbol, volumeExt: volumeExt, closedVolumeExt: volumeExt, price: trade.closePrice, profit: trade.profit,
                                   commission: trade.commission, timeMsc: closeMsc, currency: currency, streamTicket: trade.ticket)
        return [opening, closing]
    }
}
