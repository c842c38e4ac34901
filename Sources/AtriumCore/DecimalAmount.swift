/// Decimal text to integer units of 10^-exponent and back, without floating point: the one parser
/// and formatter behind `Money.parse`/`Money.format` (typed amounts) and `DecimalText`
/// (platform answers). Exponents are per currency (JPY 0, USD 2, KWD 3) or per asset (BTC 8).
public enum DecimalAmount {
    /// Why text is not an amount.
    public enum Failure: Error, Equatable, Sendable {
        case empty
        /// Not digits with at most one dot (letters, exponents, spaces inside, two dots).
        case notANumber
        /// A minus sign where only positive amounts are accepted.
        case negative
        /// More significant decimals than the exponent allows.
        case tooManyDecimals(allowed: Int)
        /// Does not fit in `Int64` units.
        case tooLarge
    }

    /// What to do with significant decimals beyond the exponent. Trailing zeros never count.
    public enum Excess: Sendable {
        /// An error (typed amounts, money moved on a platform's word).
        case reject
        /// Cut toward zero; only for figures that are shown, never booked (equity, margin).
        case truncateTowardZero
    }

    /// Parses `12`, `-12.3`, `+0.50`, `.5` or `5.` into units of 10^-`exponent`.
    public static func parse(_ text: String, exponent: Int, allowNegative: Bool = false, excess: Excess = .reject) throws(Failure) -> Int64 {
        guard (0...18).contains(exponent) else { throw .tooLarge }
        var s = Substring(text)
        guard !s.isEmpty else { throw .empty }
        var negative = false
        if s.first == "-" || s.first == "+" {
            negative = s.first == "-"
            s = s.dropFirst()
        }
        let parts = s.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        var fraction = parts.count == 2 ? parts[1] : ""
        guard !(whole.isEmpty && fraction.isEmpty), whole.allSatisfy(isDigit), fraction.allSatisfy(isDigit) else { throw .notANumber }
        if negative && !allowNegative { throw .negative }
        if fraction.count > exponent {
            let extra = fraction.dropFirst(exponent)
            if excess == .reject && extra.contains(where: { $0 != "0" }) { throw .tooManyDecimals(allowed: exponent) }
            fraction = fraction.prefix(exponent)
        }
        var value: Int64 = 0
        for digit in whole.drop(while: { $0 == "0" }) + fraction + String(repeating: "0", count: exponent - fraction.count) {
            let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = shifted.addingReportingOverflow(Int64(digit.asciiValue ?? 48) - 48)
            guard !o1, !o2 else { throw .tooLarge }
            value = sum
        }
        return negative ? -value : value
    }

    /// `format(-1230, exponent: 2)` → `-12.30`; `format(1000, exponent: 0)` → `1000`. Exactly
    /// `exponent` decimals, no grouping, a minus sign for negative values.
    public static func format(_ value: Int64, exponent: Int) -> String {
        let magnitude = value.magnitude
        var text = "\(magnitude)"
        if exponent > 0 {
            if text.count <= exponent { text = String(repeating: "0", count: exponent - text.count + 1) + text }
            text.insert(".", at: text.index(text.endIndex, offsetBy: -exponent))
        }
        return value < 0 ? "-" + text : text
    }

    static func isDigit(_ c: Character) -> Bool { c.isASCII && ("0"..."9").contains(c) }
}
