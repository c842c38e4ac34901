import AtriumLedger
import Foundation

/// One platform deal as the commission engine reads it (a `platform_deals` row).
public struct CommissionDeal: Sendable, Equatable {
    /// MT5 deal entry: opening, closing, reversal (closes then opens) and close-by.
    public enum Entry: String, Sendable, Codable, CaseIterable { case `in`, out, `inout`, outBy = "out_by" }

    public var connectionID: String
    public var deal: Int64
    public var revision: Int
    public var status: String
    public var login: String
    public var accountID: UUID?
    public var positionID: Int64
    public var entry: Entry
    public var symbol: String
    /// 1/100,000,000 lot.
    public var volumeExt: Int64
    /// The part of `volumeExt` that closed an existing position (out / out_by: all of it; in: 0).
    public var closedVolumeExt: Int64
    /// Minor units of `currency`, as the platform charged it (usually negative).
    public var commission: Int64
    public var currency: String
    /// Milliseconds since the Unix epoch, UTC.
    public var timeMsc: Int64

    public init(connectionID: String, deal: Int64, revision: Int = 1, status: String = "booked", login: String, accountID: UUID? = nil,
                positionID: Int64, entry: Entry, symbol: String, volumeExt: Int64, closedVolumeExt: Int64, commission: Int64 = 0,
                currency: String, timeMsc: Int64) {
        self.connectionID = connectionID
        self.deal = deal
        self.revision = revision
        self.status = status
        self.login = login
        self.accountID = accountID
        self.positionID = positionID
        self.entry = entry
        self.symbol = symbol
        self.volumeExt = volumeExt
        self.closedVolumeExt = closedVolumeExt
        self.commission = commission
        self.currency = currency
        self.timeMsc = timeMsc
    }

    /// The deal's time as a Date.
    public var time: Date { Date(timeIntervalSince1970: TimeInterval(timeMsc) / 1000) }

    /// The volume that opened a position (in: all; inout: what is left after closing; else 0).
    public var openingVolumeExt: Int64 {
        switch entry {
        case .in: volumeExt
        case .inout: max(0, volumeExt - closedVolumeExt)
        case .out, .outBy: 0
        }
    }

    /// The volume that closed a position (out / out_by / inout: the closed volume; in: 0).
    public var closingVolumeExt: Int64 {
        switch entry {
        case .in: 0
        case .out, .outBy, .inout: closedVolumeExt
        }
    }
}

/// One IB above the deal's client at the deal's time.
public struct ChainMember: Sendable, Equatable {
    /// 1 = the client's own IB.
    public var level: Int
    public var partnerID: UUID
    /// Commissions are paid in this currency.
    public var walletCurrency: String
    /// Whether the deal's account belongs to this IB (their own trading).
    public var ownAccount: Bool

    public init(level: Int, partnerID: UUID, walletCurrency: String, ownAccount: Bool = false) {
        self.level = level
        self.partnerID = partnerID
        self.walletCurrency = walletCurrency
        self.ownAccount = ownAccount
    }
}

/// Exchange rates in force at one deal's time: `base → quote`, the latest recorded with
/// `as_of ≤` the deal time. Only direct pairs are used; an inverse is never derived.
public struct FXRates: Sendable, Equatable {
    public var rates: [String: ExchangeRate]

    public init(_ rates: [String: ExchangeRate] = [:]) { self.rates = rates }

    /// The key of a pair, `EUR/USD`.
    public static func key(_ base: String, _ quote: String) -> String { "\(base)/\(quote)" }

    /// The rate from `base` to `quote`: 1 for the same currency, nil when none was recorded.
    public func rate(_ base: String, _ quote: String) -> ExchangeRate? {
        if base == quote { return try? ExchangeRate("1") }
        return rates[Self.key(base, quote)]
    }

    public mutating func set(_ base: String, _ quote: String, _ rate: ExchangeRate) { rates[Self.key(base, quote)] = rate }
}
