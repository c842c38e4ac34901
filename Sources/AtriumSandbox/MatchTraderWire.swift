import Foundation

/// `{"code": "…", "message": "…"}`.
struct MTRError: Encodable {
    var code: String
    var message: String
}

struct MTRPing: Encodable {
    var status: String
}

/// A person (`POST /v1/accounts`).
struct MTRPerson: Encodable {
    var uuid: String
    var email: String
    var name: String
    var created: String
}

/// A trading account; amounts are decimal strings, login and leverage numbers.
struct MTRTradingAccount: Encodable {
    var login: Int64
    var accountUuid: String?
    var group: String
    var currency: String
    var leverage: Int
    var access: String
    var name: String
    var email: String
    var balance: String
    var credit: String
    var equity: String
    var margin: String
    var freeMargin: String
    var marginLevel: String
    var profit: String
    var created: String
}

/// The answer of a deposit or withdrawal.
struct MTRBalanceResult: Encodable {
    var ticket: Int64
    var reference: String
    var amount: String
    var alreadyApplied: Bool
}

struct MTRLedgerItem: Encodable {
    var ticket: Int64
    var type: String
    var amount: String
    var reference: String
    var time: String
}

struct MTROpenPosition: Encodable {
    var id: Int64
    var login: Int64
    var symbol: String
    var side: String
    var volume: String
    var openPrice: String
    var currentPrice: String
    var profit: String
    var swap: String
    var openTime: String
}

struct MTRClosedPosition: Encodable {
    var id: Int64
    var login: Int64
    var symbol: String
    var side: String
    var volume: String
    var openPrice: String
    var closePrice: String
    var profit: String
    var commission: String
    var swap: String
    var openTime: String
    var closeTime: String
}

struct MTRItems<Item: Encodable>: Encodable {
    var items: [Item]
}

struct MTRPage<Item: Encodable>: Encodable {
    var items: [Item]
    var hasMore: Bool
}

/// Lots as a decimal string from lots × 10,000: `1000` → `"0.10"`.
func lotsText(_ volume: Int64) -> String {
    volume % 100 == 0 ? FixedPoint.format(volume / 100, digits: 2) : FixedPoint.format(volume, digits: 4)
}

/// `BUY` / `SELL` for a position's action.
func sideText(_ action: Int) -> String { action == DealAction.buy ? "BUY" : "SELL" }
