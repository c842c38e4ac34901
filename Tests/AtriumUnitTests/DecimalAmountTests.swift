import AtriumCore
import AtriumLedger
import Testing

/// The one decimal parser and formatter (issue 10): exact, per exponent, never rounding silently.
@Suite("Decimal amounts")
struct DecimalAmountTests {
    @Test("parses with the exponent of each currency or asset", arguments: [
        ("1000", 0, Int64(1_000)),                 // JPY
        ("12.34", 2, 1_234),                       // USD
        ("12.3", 2, 1_230),
        (".5", 2, 50),
        ("5.", 2, 500),
        ("1.234", 3, 1_234),                       // KWD
        ("0.00000001", 8, 1),                      // BTC
        ("21000000.00000000", 8, 2_100_000_000_000_000),
        ("100.000", 2, 10_000),                    // trailing zeros are not extra precision
        ("00042", 0, 42),
        ("92233720368547758.07", 2, Int64.max),
    ])
    func parses(text: String, exponent: Int, minor: Int64) throws {
        #expect(try DecimalAmount.parse(text, exponent: exponent) == minor)
    }

    @Test("refuses what is not exactly an amount, naming why", arguments: [
        ("", 2, DecimalAmount.Failure.empty),
        ("12.345", 2, .tooManyDecimals(allowed: 2)),
        ("1.5", 0, .tooManyDecimals(allowed: 0)),        // ¥1.5 does not exist: no rounding to ¥1 or ¥2
        ("0.000000001", 8, .tooManyDecimals(allowed: 8)),
        ("-5", 2, .negative),
        ("1e5", 2, .notANumber),
        ("1.2.3", 2, .notANumber),
        (".", 2, .notANumber),
        ("-", 2, .notANumber),
        (" 5", 2, .notANumber),
        ("5 000", 0, .notANumber),
        ("٣", 0, .notANumber),                           // Arabic-Indic digit: numeric, not ASCII
        ("92233720368547758.08", 2, .tooLarge),
        ("99999999999999999999", 0, .tooLarge),
        ("1", 19, .tooLarge),
    ])
    func refuses(text: String, exponent: Int, failure: DecimalAmount.Failure) {
        #expect(throws: failure) { try DecimalAmount.parse(text, exponent: exponent) }
    }

    @Test("signed figures and explicit truncation are opt-in")
    func options() throws {
        #expect(try DecimalAmount.parse("-12.3", exponent: 2, allowNegative: true) == -1_230)
        #expect(try DecimalAmount.parse("+7", exponent: 2, allowNegative: true) == 700)
        #expect(try DecimalAmount.parse("-812.559", exponent: 2, allowNegative: true, excess: .truncateTowardZero) == -81_255)
        #expect(throws: DecimalAmount.Failure.tooManyDecimals(allowed: 2)) { try DecimalAmount.parse("812.559", exponent: 2, allowNegative: true) }
    }

    @Test("formats with exactly the exponent's decimals", arguments: [
        (Int64(1_000), 0, "1000"), (1_234, 2, "12.34"), (5, 2, "0.05"), (-5, 2, "-0.05"), (-1_230, 2, "-12.30"),
        (1, 8, "0.00000001"), (1_234, 3, "1.234"), (0, 2, "0.00"), (Int64.min, 2, "-92233720368547758.08"),
        (Int64.max, 2, "92233720368547758.07"),
    ])
    func formats(minor: Int64, exponent: Int, text: String) {
        #expect(DecimalAmount.format(minor, exponent: exponent) == text)
    }

    @Test("Money.parse keeps its messages for people and refuses what it cannot hold exactly")
    func money() throws {
        let jpy = try #require(Currency("JPY")), usd = try #require(Currency("USD"))
        #expect(try Money.parse("1,250", currency: jpy).minor == 1_250)
        #expect(try Money.parse(" 1,250.50 ", currency: usd).minor == 125_050)
        #expect(throws: InputError(field: "amount", reason: "JPY has at most 0 decimal places")) { try Money.parse("1.5", currency: jpy) }
        #expect(throws: InputError(field: "amount", reason: "enter a positive number like 100 or 100.50")) { try Money.parse("-1", currency: usd) }
        #expect(throws: InputError(field: "amount", reason: "the amount is too large")) { try Money.parse("1000000000000000", currency: usd) }
        #expect(Money(minor: -5, currency: usd).description == "-0.05 USD")
    }
}
