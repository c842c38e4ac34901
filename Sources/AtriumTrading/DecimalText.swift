import Foundation

/// Decimal text as platforms send it ("100.00", "-12.3", "812.5") into integer minor units,
/// without floating point. Formatting is `Money.format`.
public enum DecimalText {
    /// Parses `text` into units of 10^-`exponent`. With `exact`, more fraction digits than
    /// `exponent` (other than trailing zeros) is an error; without it they are cut off (toward zero).
    public static func minor(_ text: String, exponent: Int, exact: Bool = true) -> Int64? {
        var s = Substring(text.trimmingCharacters(in: .whitespaces))
        var negative = false
        if s.first == "-" { negative = true; s = s.dropFirst() } else if s.first == "+" { s = s.dropFirst() }
        let parts = s.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty || parts.count == 2, whole.allSatisfy(\.isASCIIDigitChar) else { return nil }
        var fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.allSatisfy(\.isASCIIDigitChar), !(whole.isEmpty && fraction.isEmpty) else { return nil }
        if fraction.count > exponent {
            let extra = fraction.dropFirst(exponent)
            if exact && extra.contains(where: { $0 != "0" }) { return nil }
            fraction = fraction.prefix(exponent)
        }
        let digits = String(whole) + String(fraction) + String(repeating: "0", count: exponent - fraction.count)
        guard digits.count <= 18, let value = Int64(digits.isEmpty ? "0" : digits) else { return nil }
        return negative ? -value : value
    }

    /// An amount field of a platform answer: `minor`, or `PlatformError.malformed` naming the field.
    static func amount(_ text: String?, _ exponent: Int, _ field: String, exact: Bool = true) throws -> Int64 {
        guard let text, let value = minor(text, exponent: exponent, exact: exact) else {
            throw PlatformError.malformed("\(field) is not a decimal amount: \(text?.prefix(30) ?? "missing")")
        }
        return value
    }
}

extension Character {
    var isASCIIDigitChar: Bool { isASCII && isNumber }
}
