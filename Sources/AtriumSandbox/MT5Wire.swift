import Foundation

/// MT5 `retcode` texts.
enum MT5Retcode {
    static let done = "0 Done"
    static let invalidParameters = "3 Invalid parameters"
    static let notEnoughPermissions = "8 Not enough permissions"
    static let noService = "11 No service"
    static let notFound = "13 Not found"
    static let invalidAccount = "1001 Invalid account"
    static let notEnoughMoney = "10019 Not enough money"
}

/// An answer without a payload.
struct MT5Empty: Encodable {}

/// `{"retcode": "…", "answer": …}`.
struct MT5Envelope<Answer: Encodable>: Encodable {
    var retcode: String
    var answer: Answer?

    init(retcode: String, answer: Answer? = nil) {
        self.retcode = retcode
        self.answer = answer
    }
}

/// The `auth/start` answer.
struct MT5AuthStart: Encodable {
    var retcode: String
    var versionAccess: String
    var srvRand: String

    enum CodingKeys: String, CodingKey {
        case retcode, versionAccess = "version_access", srvRand = "srv_rand"
    }
}

/// The `auth/answer` answer.
struct MT5AuthAnswer: Encodable {
    var retcode: String
    var cliRandAnswer: String

    enum CodingKeys: String, CodingKey {
        case retcode, cliRandAnswer = "cli_rand_answer"
    }
}

/// `IMTUser`, numbers as strings.
struct MT5User: Encodable {
    var login, group, name, email, leverage, rights, registration, balance, credit: String

    enum CodingKeys: String, CodingKey {
        case login = "Login", group = "Group", name = "Name", email = "Email", leverage = "Leverage"
        case rights = "Rights", registration = "Registration", balance = "Balance", credit = "Credit"
    }
}

/// `IMTAccount`, numbers as strings.
struct MT5Account: Encodable {
    var login, currencyDigits, balance, credit, equity, margin, marginFree, marginLevel, profit: String

    enum CodingKeys: String, CodingKey {
        case login = "Login", currencyDigits = "CurrencyDigits", balance = "Balance", credit = "Credit"
        case equity = "Equity", margin = "Margin", marginFree = "MarginFree", marginLevel = "MarginLevel"
        case profit = "Profit"
    }
}

/// `IMTDeal`, numbers as strings. `Volume`/`VolumeClosed` are in 1/10,000 lot, `VolumeExt`/
/// `VolumeClosedExt` in 1/100,000,000 lot, `TimeMsc` in server-local milliseconds.
struct MT5Deal: Encodable {
    var deal, login, time, timeMsc, action, entry, symbol, volume, volumeExt, volumeClosed, volumeClosedExt: String
    var price, pricePosition, profit, commission, storage, comment, positionID: String

    enum CodingKeys: String, CodingKey {
        case deal = "Deal", login = "Login", time = "Time", timeMsc = "TimeMsc", action = "Action", entry = "Entry"
        case symbol = "Symbol", volume = "Volume", volumeExt = "VolumeExt", volumeClosed = "VolumeClosed"
        case volumeClosedExt = "VolumeClosedExt", price = "Price", pricePosition = "PricePosition"
        case profit = "Profit", commission = "Commission", storage = "Storage", comment = "Comment"
        case positionID = "PositionID"
    }
}

/// `IMTPosition`, numbers as strings.
struct MT5Position: Encodable {
    var position, login, symbol, action, volume, priceOpen, priceCurrent, profit, storage, timeCreate: String

    enum CodingKeys: String, CodingKey {
        case position = "Position", login = "Login", symbol = "Symbol", action = "Action", volume = "Volume"
        case priceOpen = "PriceOpen", priceCurrent = "PriceCurrent", profit = "Profit", storage = "Storage"
        case timeCreate = "TimeCreate"
    }
}

/// The `trade/balance` answer.
struct MT5Ticket: Encodable {
    var ticket: String
}
