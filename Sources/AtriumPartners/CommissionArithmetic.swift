import AtriumCore

/// Exact integer arithmetic for commission lines: a line's amount is one fraction
/// (product of factors over product of divisors) rounded once, toward zero.
public enum CommissionArithmetic {
    /// `trunc(factors / divisors)` computed in 128 bits after cancelling common factors; nil when
    /// an intermediate product or the result does not fit (the engine then excludes the line).
    public static func fraction(_ factors: [Int64], over divisors: [Int64]) -> Int64? {
        guard !divisors.contains(0) else { return nil }
        var num = factors.map { Int128($0) }
        var den = divisors.map { Int128($0) }
        // Cancel common factors first so realistic figures (lots × rate × fx digits) stay far from the limit.
        for i in num.indices {
            for j in den.indices {
                let g = gcd(num[i].magnitude, den[j].magnitude)
                if g > 1 {
                    num[i] /= Int128(g)
                    den[j] /= Int128(g)
                }
            }
        }
        guard let n = product(num), let d = product(den), d != 0 else { return nil }
        let q = n / d  // Swift integer division truncates toward zero
        guard q >= Int128(Int64.min), q <= Int128(Int64.max) else { return nil }
        return Int64(q)
    }

    static func product(_ values: [Int128]) -> Int128? {
        var p: Int128 = 1
        for v in values {
            let (r, overflow) = p.multipliedReportingOverflow(by: v)
            if overflow { return nil }
            p = r
        }
        return p
    }

    static func gcd(_ a: UInt128, _ b: UInt128) -> UInt128 {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }

    /// 10^n as Int64 (n ≤ 18).
    public static func pow10(_ n: Int) -> Int64 {
        var p: Int64 = 1
        for _ in 0..<max(0, min(n, 18)) { p *= 10 }
        return p
    }

    /// A value held with `extra` more decimals than the currency's exponent, as text: exactly the
    /// currency's decimals, plus the extra ones only when they are not zero (`5.00`, `5.0125`).
    public static func format(_ value: Int64, exponent: Int, extra: Int) -> String {
        var text = DecimalAmount.format(value, exponent: exponent + extra)
        var trim = extra
        while trim > 0, text.hasSuffix("0") {
            text.removeLast()
            trim -= 1
        }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// Basis points as a percentage with two decimals: 2,000 → `20.00%`.
    public static func percent(_ bps: Int) -> String { DecimalAmount.format(Int64(bps), exponent: 2) + "%" }
}
