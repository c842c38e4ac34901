import AtriumCore
import AtriumLedger

/// Amount text for reports: exact decimals of the currency, never through a floating point.
enum ReportAmount {
    static func text(_ minor: Int64, _ currency: String) -> String {
        Money.format(minor, exponent: ISO4217.exponents[currency] ?? 2)
    }
}
