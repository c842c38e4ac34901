import AtriumCore
import AtriumStorage
import Foundation

/// One recorded exchange rate: one `base` is worth `rate` of `quote` from `asOf` on.
public struct RecordedFXRate: Sendable, Equatable {
    public let base: String
    public let quote: String
    public let asOf: Date
    /// The rate as decimal text with up to `RecordedFXRates.decimals` places (`1.085000000000`).
    public let rate: String
    public let source: String
}

/// Exchange rates for commission conversion (`fx_rates`). A rate is only ever added: a line
/// copies the rate it used, and a later correction is a new row with a later `as_of`.
public enum RecordedFXRates {
    /// Decimal places a rate may have (the column's scale).
    public static let decimals = 12

    /// Records a rate given as decimal text (`1.0850`); the text is parsed without floating point.
    public static func record(base: String, quote: String, asOf: Date, rate text: String, source: String = "manual", actor: String,
                              requestID: String = "", in tx: TenantTransaction) async throws -> RecordedFXRate {
        let base = base.trimmingCharacters(in: .whitespaces).uppercased(), quote = quote.trimmingCharacters(in: .whitespaces).uppercased()
        var problems: [PlanProblem] = []
        if ISO4217.exponents[base] == nil { problems.append(PlanProblem(field: "base", reason: "a known ISO 4217 currency code like USD")) }
        if ISO4217.exponents[quote] == nil { problems.append(PlanProblem(field: "quote", reason: "a known ISO 4217 currency code like EUR")) }
        if base == quote { problems.append(PlanProblem(field: "quote", reason: "a currency other than the base")) }
        var units: Int64 = 0
        do {
            units = try DecimalAmount.parse(text.trimmingCharacters(in: .whitespaces), exponent: decimals)
            if units <= 0 { problems.append(PlanProblem(field: "rate", reason: "more than zero")) }
        } catch {
            problems.append(PlanProblem(field: "rate", reason: "a positive number with at most \(decimals) decimals, like 1.0850"))
        }
        guard problems.isEmpty else { throw PlanError.invalid(problems) }
        let rate = DecimalAmount.format(units, exponent: decimals)
        let clash = try await tx.query("SELECT 1 FROM fx_rates WHERE base = \(base) AND quote = \(quote) AND as_of = \(asOf)").collect()
        guard clash.isEmpty else { throw PlanError.invalid([PlanProblem(field: "as_of", reason: "a rate for this pair and moment is already recorded")]) }
        try await tx.query("""
            INSERT INTO fx_rates (base, quote, as_of, rate, source, created_by)
            VALUES (\(base), \(quote), \(asOf), \(rate)::numeric, \(String(source.prefix(100))), \(CommissionPlans.userID(actor)))
            """)
        try await AuditLog.append(AuditEntry(actor: actor, action: "partners.fx_rate.recorded", subject: "fx_rate:\(base)\(quote)",
                                             after: try CanonicalJSON.object(["base": base, "quote": quote, "as_of": asOf.formatted(.iso8601),
                                                                              "rate": rate, "source": source]),
                                             requestID: requestID), in: tx)
        return RecordedFXRate(base: base, quote: quote, asOf: asOf, rate: rate, source: source)
    }

    /// The most recent rates, newest first.
    public static func recent(limit: Int = 200, in tx: TenantTransaction) async throws -> [RecordedFXRate] {
        var out: [RecordedFXRate] = []
        let rows = try await tx.query("""
            SELECT base, quote, as_of, rate::text, source FROM fx_rates ORDER BY as_of DESC, base, quote LIMIT \(limit)
            """)
        for try await (base, quote, asOf, rate, source) in rows.decode((String, String, Date, String, String).self) {
            out.append(RecordedFXRate(base: base, quote: quote, asOf: asOf, rate: rate, source: source))
        }
        return out
    }
}
