import Foundation

/// Trading arithmetic, in integers: money in minor units (cents), prices in points,
/// volume in lots × 10,000. Divisions round toward zero.
enum Accounting {
    /// Profit of moving `volume` from `open` to `close`, in USD cents.
    static func profitUSDCents(_ spec: SymbolSpec, action: Int, volume: Int64, open: Int64, close: Int64) -> Int64 {
        let direction: Int64 = action == DealAction.buy ? 1 : -1
        return (close - open) * direction * volume * spec.contract * 100 / (spec.scale * 10_000)
    }

    /// USD cents in the account currency's cents (EUR via the current EURUSD points).
    static func convert(usdCents: Int64, to currency: String, eurusd: Int64) -> Int64 {
        currency == "EUR" ? usdCents * 100_000 / max(1, eurusd) : usdCents
    }

    /// Margin of a position in USD cents.
    static func marginUSDCents(_ spec: SymbolSpec, volume: Int64, price: Int64, leverage: Int) -> Int64 {
        volume * spec.contract * price * 100 / (spec.scale * 10_000 * Int64(max(1, leverage)))
    }

    /// Commission of one deal side: −0.35 per 0.10 lot, proportional (account currency cents).
    static func commission(volume: Int64) -> Int64 {
        -(volume * 35 / 1_000)
    }

    /// The same commission for a volume in 1/100,000,000 lot (rounded toward zero once).
    static func commission(volumeExt: Int64) -> Int64 {
        -(volumeExt * 35 / 10_000_000)
    }

    /// Swap of a position held `seconds`: −0.01 per 0.01 lot per full hour.
    static func swap(volume: Int64, heldSeconds: Int64) -> Int64 {
        -(volume * max(0, heldSeconds / 3_600) / 100)
    }
}

/// An account's figures at the current prices, all in minor units of its currency.
struct AccountFigures: Sendable {
    var balance: Int64
    var credit: Int64
    var profit: Int64
    var margin: Int64
    var equity: Int64 { balance + credit + profit }
    var freeMargin: Int64 { equity - margin }
    /// Margin level in hundredths of a percent; 0 without margin.
    var marginLevelHundredths: Int64 { margin == 0 ? 0 : equity * 10_000 / margin }
}

extension Store {
    /// Floating profit of a position at the current prices, in the account currency.
    func floatingProfit(_ position: Position, currency: String, prices: PriceFeed) -> Int64 {
        guard let spec = SymbolSpec.named(position.symbol) else { return 0 }
        let usd = Accounting.profitUSDCents(
            spec, action: position.action, volume: position.volume,
            open: position.openPrice, close: prices.price(position.symbol)
        )
        return Accounting.convert(usdCents: usd, to: currency, eurusd: prices.eurusd)
    }

    /// Margin of a position at the current price, in the account currency.
    func margin(_ position: Position, account: Account, prices: PriceFeed) -> Int64 {
        guard let spec = SymbolSpec.named(position.symbol) else { return 0 }
        let usd = Accounting.marginUSDCents(
            spec, volume: position.volume, price: prices.price(position.symbol), leverage: account.leverage
        )
        return Accounting.convert(usdCents: usd, to: account.currency, eurusd: prices.eurusd)
    }

    func figures(_ account: Account, prices: PriceFeed) -> AccountFigures {
        var figures = AccountFigures(balance: account.balance, credit: account.credit, profit: 0, margin: 0)
        for position in openPositions(of: account.login) {
            figures.profit += floatingProfit(position, currency: account.currency, prices: prices)
            figures.margin += margin(position, account: account, prices: prices)
        }
        return figures
    }
}
