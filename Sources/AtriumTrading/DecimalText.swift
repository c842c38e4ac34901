import AtriumCore
import Foundation

/// Decimal text as platforms send it ("100.00", "-12.3", "812.5") into integer minor units,
/// without floating point. Formatting is `Money.format`.
public enum DecimalText {
    /// Parses `text` into units of 10^-`exponent` with `AtriumCore.DecimalAmount`. With `exact`,
    /// more fraction digits than `exponent` (other than trailing zeros) is an error; without it
    /// they are cut off toward zero (figures shown, never booked). Surrounding spaces are allowed.
    public static func minor(_ text: String, exponent: Int, exact: Bool = true) -> Int64? {
        try? DecimalAmount.parse(text.trimmingCharacters(in: .whitespaces), exponent: exponent, allowNegative: true,
                                 excess: exact ? .reject : .truncateTowardZero)
    }

    /// An amount field of a platform answer: `minor`, or `PlatformError.malformed` naming the field.
    static func amount(_ text: String?, _ exponent: Int, _ field: String, exact: Bool = true) throws -> Int64 {
        guard let text, let value = minor(text, exponent: exponent, exact: exact) else {
            throw PlatformError.malformed("\(field) is not a decimal amount: \(text?.prefix(30) ?? "missing")")
        }
        return value
    }
}
