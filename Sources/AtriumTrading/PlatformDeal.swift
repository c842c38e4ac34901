import Foundation

/// How a deal moves its position (MT5 `IMTDeal::EnDealEntry`: 0 in, 1 out, 2 inout, 3 out_by).
public enum DealEntry: String, Sendable, Codable, CaseIterable {
    /// Opens or adds to a position.
    case entryIn = "in"
    /// Closes all or part of a position.
    case out
    /// A reversal: closes the position and opens the rest of its volume the other way.
    case inOut = "inout"
    /// Close-by: closes a position by an opposite one on the same symbol.
    case outBy = "out_by"

    /// The entry of an MT5 `Entry` number, nil for a number MT5 does not define.
    public init?(mt5 code: String) {
        switch code {
        case "0": self = .entryIn
        case "1": self = .out
        case "2": self = .inOut
        case "3": self = .outBy
        default: return nil
        }
    }
}

/// One platform deal, as `platform_deals` keeps it. Volumes are exact integers in 1/100,000,000
/// lot; money in minor units of the account currency; the time in UTC milliseconds.
public struct PlatformDeal: Sendable, Equatable {
    /// The deal's ticket, unique per connection (Match-Trader: see `MatchTraderClient.dealIDs`).
    public var deal: Int64
    public var login: String
    public var positionID: Int64
    public var entry: DealEntry
    /// The deal's own direction (a closing deal is the opposite of its position's side).
    public var side: TradeSide
    public var symbol: String
    /// MT5 `VolumeExt`, or `Volume` × 10,000 where only that is reported.
    public var volumeExt: Int64
    /// What the deal closed: all of an out/out_by deal, the old position's part of an inout, 0 for in.
    public var closedVolumeExt: Int64
    /// The platform's decimal price text (not money).
    public var price: String
    public var profit: Int64
    public var commission: Int64
    public var timeMsc: Int64
    /// The account currency from the connection's account map; `ClosedTrade.unknownCurrency` when unmapped.
    public var currency: String
    /// The cursor ticket that passes this deal (MT5: the deal's ticket; Match-Trader: its closed
    /// position's id): a page is stored in chunks, and no chunk's cursor may pass a deal stored later.
    public var streamTicket: Int64

    /// 1/10,000 lot (MT5 `Volume`) in 1/100,000,000 lot.
    public static let extPerVolume: Int64 = 10_000

    public init(deal: Int64, login: String, positionID: Int64, entry: DealEntry, side: TradeSide, symbol: String, volumeExt: Int64,
                closedVolumeExt: Int64, price: String, profit: Int64, commission: Int64, timeMsc: Int64, currency: String, streamTicket: Int64) {
        self.deal = deal
        self.login = login
        self.positionID = positionID
        self.entry = entry
        self.side = side
        self.symbol = symbol
        self.volumeExt = volumeExt
        self.closedVolumeExt = closedVolumeExt
        self.price = price
        self.profit = profit
        self.commission = commission
        self.timeMsc = timeMsc
        self.currency = currency
        self.streamTicket = streamTicket
    }
}

extension Date {
    /// Whole milliseconds since the Unix epoch (rounded to the nearest, as platform times are whole ms).
    var unixMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1_000).rounded()) }
}
