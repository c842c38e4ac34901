/// The ISO 4217 currencies Atrium accepts, with their minor-unit exponents. One table for the
/// ledger's `Currency`, decimal parsing and brand-file validation.
public enum ISO4217 {
    /// Code → number of decimals (USD 2, JPY 0, KWD 3).
    public static let exponents: [String: Int] = [
        "USD": 2, "EUR": 2, "GBP": 2, "CHF": 2, "AUD": 2, "CAD": 2, "NZD": 2, "SGD": 2, "HKD": 2, "ZAR": 2,
        "AED": 2, "SAR": 2, "QAR": 2, "EGP": 2, "MXN": 2, "BRL": 2, "PLN": 2, "CZK": 2, "SEK": 2, "NOK": 2,
        "DKK": 2, "TRY": 2, "INR": 2, "CNY": 2, "THB": 2, "MYR": 2, "NGN": 2, "PKR": 2,
        "JPY": 0, "KRW": 0, "CLP": 0, "VND": 0, "HUF": 2, "IDR": 2,
        "KWD": 3, "BHD": 3, "OMR": 3, "JOD": 3, "TND": 3,
    ]
}
