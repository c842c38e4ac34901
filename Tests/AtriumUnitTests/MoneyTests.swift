import AtriumCore
import AtriumLedger
import Testing

@Suite("Money in minor units")
struct MoneyTests {
    @Test("parsing follows each currency's ISO 4217 exponent", arguments: [
        ("100", "USD", Int64(10000)), ("100.5", "USD", 10050), ("1,250.00", "EUR", 125000), ("0.01", "GBP", 1),
        ("1500", "JPY", 1500), ("1.234", "KWD", 1234), (".5", "USD", 50),
    ])
    func parses(text: String, code: String, minor: Int64) throws {
        let money = try Money.parse(text, currency: #require(Currency(code)))
        #expect(money.minor == minor)
    }

    @Test("bad amounts name the field and the reason", arguments: [
        ("", "enter an amount"), ("-5", "enter a positive number like 100 or 100.50"), ("1e3", "enter a positive number like 100 or 100.50"),
        ("1.001", "USD has at most 2 decimal places"), ("12.3.4", "enter a positive number like 100 or 100.50"),
        ("9999999999999999", "the amount is too large"), ("abc", "enter a positive number like 100 or 100.50"),
    ])
    func rejects(text: String, reason: String) throws {
        let usd = try #require(Currency("USD"))
        #expect(throws: InputError(field: "amount", reason: reason)) { try Money.parse(text, currency: usd) }
    }

    @Test("formatting prints exactly the currency's decimals")
    func formats() throws {
        #expect(Money(minor: 123456, currency: try #require(Currency("USD"))).amountText == "1234.56")
        #expect(Money(minor: 5, currency: try #require(Currency("EUR"))).amountText == "0.05")
        #expect(Money(minor: -5, currency: try #require(Currency("EUR"))).amountText == "-0.05")
        #expect(Money(minor: 1500, currency: try #require(Currency("JPY"))).amountText == "1500")
        #expect(Money(minor: 1, currency: try #require(Currency("BHD"))).amountText == "0.001")
        #expect(Currency("XYZ") == nil)
    }

    @Test("conversion uses an exact decimal rate and rounds down")
    func converts() throws {
        let usd = try #require(Currency("USD")), eur = try #require(Currency("EUR")), jpy = try #require(Currency("JPY")), kwd = try #require(Currency("KWD"))
        #expect(try ExchangeRate("0.9213").convert(10000, from: usd, to: eur) == 9213)
        #expect(try ExchangeRate("0.9213").convert(333, from: usd, to: eur) == 306)      // 306.79 -> 306
        #expect(try ExchangeRate("151.37").convert(10000, from: usd, to: jpy) == 15137)   // 100 USD -> 15137 JPY
        #expect(try ExchangeRate("0.3071").convert(10000, from: usd, to: kwd) == 30710)   // 100 USD -> 30.710 KWD
        #expect(try ExchangeRate("0.006606").convert(15137, from: jpy, to: usd) == 9999)
        #expect(throws: InputError.self) { try ExchangeRate("-1") }
        #expect(throws: InputError.self) { try ExchangeRate("1e5") }
    }
}
