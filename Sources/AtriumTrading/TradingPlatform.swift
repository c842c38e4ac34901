import AtriumLedger
import Foundation

/// One vocabulary for every trading-platform failure. `unavailable` is definite (the request was
/// not applied); `timeout` is ambiguous (it may have been applied) and is only ever resolved by
/// asking the platform again.
public enum PlatformError: Error, Equatable, Sendable, CustomStringConvertible {
    case authFailed(String)
    case notFound(String)
    case rejected(code: String, message: String)
    case unavailable(String)
    case timeout(String)
    case rateLimited(retryAfterSeconds: Int)
    case malformed(String)

    /// True when the platform may or may not have applied the request.
    public var isAmbiguous: Bool {
        if case .timeout = self { return true }
        return false
    }

    /// Short machine-readable name used in logs, the health page and the saga rows.
    public var kind: String {
        switch self {
        case .authFailed: "auth_failed"
        case .notFound: "not_found"
        case .rejected: "rejected"
        case .unavailable: "unavailable"
        case .timeout: "timeout"
        case .rateLimited: "rate_limited"
        case .malformed: "malformed"
        }
    }

    public var description: String {
        switch self {
        case .authFailed(let m): "auth failed: \(m)"
        case .notFound(let m): "not found: \(m)"
        case .rejected(let code, let m): "rejected by platform (\(code)): \(m)"
        case .unavailable(let m): "unavailable: \(m)"
        case .timeout(let m): "timeout: \(m)"
        case .rateLimited(let s): "rate limited: retry after \(s) s"
        case .malformed(let m): "malformed answer: \(m)"
        }
    }
}

/// Trading access of an account on the platform.
public enum AccessLevel: String, Sendable, CaseIterable, Codable {
    case enabled
    case readOnly = "read_only"
    case disabled
}

public struct NewPlatformAccount: Sendable, Equatable {
    public var group: String
    public var leverage: Int
    public var currency: Currency
    public var name: String
    public var email: String
    /// Sent to the platform once and never stored by Atrium.
    public var password: String
    public var investorPassword: String

    public init(group: String, leverage: Int, currency: Currency, name: String, email: String, password: String, investorPassword: String) {
        self.group = group
        self.leverage = leverage
        self.currency = currency
        self.name = name
        self.email = email
        self.password = password
        self.investorPassword = investorPassword
    }
}

/// An account as the platform reports it.
public struct PlatformAccountInfo: Sendable, Equatable {
    public var login: String
    public var group: String
    public var leverage: Int
    public var access: AccessLevel
}

/// Balance, equity and margin in minor units of the account currency. `marginLevelBasisPoints`
/// is the margin level in hundredths of a percent (81250 = 812.50 %), nil when no margin is used.
public struct AccountState: Sendable, Equatable {
    public var balance: Int64
    public var credit: Int64
    public var equity: Int64
    public var margin: Int64
    public var freeMargin: Int64
    public var marginLevelBasisPoints: Int64?

    public init(balance: Int64, credit: Int64, equity: Int64, margin: Int64, freeMargin: Int64, marginLevelBasisPoints: Int64?) {
        self.balance = balance
        self.credit = credit
        self.equity = equity
        self.margin = margin
        self.freeMargin = freeMargin
        self.marginLevelBasisPoints = marginLevelBasisPoints
    }
}

public enum TradeSide: String, Sendable, Codable { case buy, sell }

/// A closed trade. Prices are kept as the platform's decimal text (they are not money);
/// money is in minor units of the account currency; volume in lots × 10,000; times in UTC.
public struct ClosedTrade: Sendable, Equatable {
    public var ticket: Int64
    public var login: String
    public var symbol: String
    public var side: TradeSide
    public var volume: Int64
    public var openPrice: String
    public var closePrice: String
    public var profit: Int64
    public var commission: Int64
    public var swap: Int64
    public var openTime: Date?
    public var closeTime: Date
    /// The platform's position id, when the opening side is reported separately (MT5).
    public var positionID: Int64?
}

extension ClosedTrade {
    /// The `trading_deals.currency` of a deal on a login no trading account maps: the platform's
    /// deal does not carry a currency, and a guessed one would mix amounts of different currencies.
    public static let unknownCurrency = "unknown"
    /// Counts deals stored with `unknownCurrency`.
    public static let unmappedMetric = "atrium_trading_unmapped_deals_total"
}

/// The opening side of a trade when the platform reports it as its own deal (MT5): its
/// commission and time belong to the trade that closes the position later.
public struct OpeningDeal: Sendable, Equatable {
    public var positionID: Int64
    public var commission: Int64
    public var time: Date
}

public struct OpenPosition: Sendable, Equatable {
    public var id: Int64
    public var symbol: String
    public var side: TradeSide
    public var volume: Int64
    public var openPrice: String
    public var currentPrice: String
    public var profit: Int64
    public var swap: Int64
    public var openTime: Date?
}

/// A resumable position in a platform's deal stream: the newest close time seen and the largest
/// ticket at that time. Both dialects accept it (MT5 reads by time, Match-Trader by id).
public struct DealCursor: Sendable, Equatable, Codable {
    public var time: Date
    public var ticket: Int64

    public init(time: Date, ticket: Int64) {
        self.time = time
        self.ticket = ticket
    }

    public static let start = DealCursor(time: Date(timeIntervalSince1970: 0), ticket: 0)
}

public struct DealPage: Sendable {
    public var trades: [ClosedTrade]
    public var openings: [OpeningDeal] = []
    /// Every deal of the page (in, out, inout, out_by), for `platform_deals`; MT5 also returns the
    /// deals of the re-read overlap window, which is where corrections are found.
    public var deals: [PlatformDeal] = []
    public var next: DealCursor
    /// True when the platform has more deals after `next` right now.
    public var hasMore: Bool
}

/// The result of a balance operation. `alreadyApplied` is true when the reference had been
/// applied before, so the platform did not move money again.
public struct BalanceReceipt: Sendable, Equatable {
    public var ticket: String
    public var alreadyApplied: Bool
}

/// A balance operation as the platform lists it (`amount` signed, minor units).
public struct BalanceOperation: Sendable, Equatable {
    public var ticket: String
    public var amount: Int64
    public var reference: String
    public var time: Date?
}

/// One trading-platform connection of a brand. Every operation is safe to retry: balance
/// operations are idempotent by `reference`, the rest are reads or set absolute values.
/// Implementations throw only `PlatformError`.
public protocol TradingPlatform: Sendable {
    /// The connection id from the brand file (`mt5-live`).
    var connectionID: String { get }
    func ping() async throws
    func createAccount(_ account: NewPlatformAccount) async throws -> String
    /// Accounts of `email` in `group` with their creation time (UTC), to find one whose creation
    /// answer was lost.
    func accounts(email: String, group: String) async throws -> [(login: String, created: Date?)]
    func account(login: String) async throws -> PlatformAccountInfo
    func setLeverage(login: String, leverage: Int) async throws
    func setAccess(login: String, access: AccessLevel) async throws
    /// Moves `amount` minor units (positive in, negative out) with an idempotent reference.
    func balance(login: String, amount: Int64, currency: Currency, reference: String) async throws -> BalanceReceipt
    /// Whether a balance operation with `reference` was applied, and its ticket.
    func findBalance(login: String, reference: String, since: Date) async throws -> String?
    /// Every balance operation of `login` since `since`, for reconciliation.
    func balanceOperations(login: String, since: Date, currency: Currency) async throws -> [BalanceOperation]
    func state(login: String, currency: Currency) async throws -> AccountState
    /// Closed trades of `groups` after `cursor`, oldest first, at most `limit` where the platform
    /// pages (MT5's deal/get_batch does not: it answers a whole time window).
    func deals(groups: [String], after cursor: DealCursor, limit: Int, currencyOf: @Sendable (String) -> Currency?) async throws -> DealPage
    func positions(login: String, currency: Currency) async throws -> [OpenPosition]
}
