import Foundation
import AtriumCore

/// An ISO 4217 currency with its minor-unit exponent. Only listed currencies are accepted.
public struct Currency: Hashable, Sendable, CustomStringConvertible {
    public let code: String
    public let exponent: Int

    public var description: String { code }

    /// Currencies a brand may configure. Exponents follow ISO 4217 (`AtriumCore.ISO4217`).
    static var table: [String: Int] { ISO4217.exponents }

    public init?(_ code: String) {
        guard let exponent = Self.table[code] else { return nil }
        self.code = code
        self.exponent = exponent
    }

    /// 10^exponent, the number of minor units in one major unit.
    public var scale: Int64 {
        var s: Int64 = 1
        for _ in 0..<exponent { s *= 10 }
        return s
    }
}

/// An amount in integer minor units. There is no floating point anywhere in money handling.
public struct Money: Hashable, Sendable, CustomStringConvertible {
    public let minor: Int64
    public let currency: Currency

    public init(minor: Int64, currency: Currency) {
        self.minor = minor
        self.currency = currency
    }

    /// Parses a decimal amount such as `100`, `100.5` or `1,250.00` typed by a person.
    /// Rejects signs, exponents, more decimals than the currency has (never rounds), and values
    /// over 15 whole digits (so that sums of amounts cannot overflow). See `DecimalAmount`.
    public static func parse(_ text: String, currency: Currency, field: String = "amount") throws -> Money {
        let cleaned = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: "")
        let minor: Int64
        do {
            minor = try DecimalAmount.parse(cleaned, exponent: currency.exponent)
        } catch .empty {
            throw InputError(field: field, reason: "enter an amount")
        } catch .tooManyDecimals {
            throw InputError(field: field, reason: "\(currency.code) has at most \(currency.exponent) decimal places")
        } catch .tooLarge {
            throw InputError(field: field, reason: "the amount is too large")
        } catch {
            throw InputError(field: field, reason: "enter a positive number like 100 or 100.50")
        }
        guard minor / currency.scale <= 999_999_999_999_999 else { throw InputError(field: field, reason: "the amount is too large") }
        return Money(minor: minor, currency: currency)
    }

    /// `12.34`, `-0.05`, `1000` (JPY): exactly the currency's number of decimals.
    public var amountText: String { Self.format(minor, exponent: currency.exponent) }

    public var description: String { "\(amountText) \(currency.code)" }

    /// Minor units as text with exactly `exponent` decimals (`DecimalAmount.format`).
    public static func format(_ minor: Int64, exponent: Int) -> String { DecimalAmount.format(minor, exponent: exponent) }
}

/// An exchange rate kept as an exact decimal (digits and a scale), never as a float.
public struct ExchangeRate: Hashable, Sendable, CustomStringConvertible {
    public let digits: Int64
    public let scale: Int

    /// Parses `1.0842`; at most 12 decimals, positive.
    public init(_ text: String) throws {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }),
              (parts.count == 1 ? 0 : parts[1].count) <= 12, parts[0].count <= 6,
              let value = Int64(parts.joined()), value > 0 else {
            throw InputError(field: "rate", reason: "a positive decimal with at most 12 decimals, like 1.0842")
        }
        digits = value
        scale = parts.count == 2 ? parts[1].count : 0
    }

    public var description: String {
        scale == 0 ? "\(digits)" : Money.format(digits, exponent: scale)
    }

    /// Converts `amount` (minor units of `from`) to minor units of `to`, rounding down so the
    /// house never pays out more than the rate allows.
    public func convert(_ amount: Int64, from: Currency, to: Currency) throws -> Int64 {
        // amount * digits * 10^(to.exp - from.exp) / 10^scale, in 128-bit-safe steps.
        var numerator = amount.multipliedFullWidth(by: digits)
        var denominatorPower = scale
        let shift = to.exponent - from.exponent
        if shift > 0 {
            for _ in 0..<shift {
                let (hi, lo) = (numerator.high, numerator.low)
                let loProduct = lo.multipliedFullWidth(by: 10)
                let (newHigh, overflow) = hi.multipliedReportingOverflow(by: 10)
                let (sumHigh, overflow2) = newHigh.addingReportingOverflow(Int64(bitPattern: loProduct.high))
                guard !overflow, !overflow2 else { throw InputError(field: "amount", reason: "too large to convert") }
                numerator = (sumHigh, loProduct.low)
            }
        } else {
            denominatorPower -= shift
        }
        var divisor: Int64 = 1
        for _ in 0..<denominatorPower {
            let (d, o) = divisor.multipliedReportingOverflow(by: 10)
            guard !o else { return 0 }
            divisor = d
        }
        guard numerator.high < divisor else { throw InputError(field: "amount", reason: "too large to convert") }
        return divisor.dividingFullWidth(numerator).quotient
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
