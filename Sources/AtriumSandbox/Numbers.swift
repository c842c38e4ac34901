import AtriumMT5
import Foundation

/// Fixed-point decimal text in both directions, on integers only.
enum FixedPoint {
    /// 10^n for small n.
    static func pow10(_ n: Int) -> Int64 {
        var value: Int64 = 1
        for _ in 0..<max(0, n) { value *= 10 }
        return value
    }

    /// Formats `value` units of 10^-digits, for example `format(-1230, digits: 2)` → `"-12.30"`.
    static func format(_ value: Int64, digits: Int) -> String {
        let magnitude = value.magnitude
        guard digits > 0 else { return value < 0 ? "-\(magnitude)" : "\(magnitude)" }
        let scale = UInt64(pow10(digits))
        let whole = magnitude / scale
        let fraction = String(magnitude % scale)
        let padded = String(repeating: "0", count: digits - fraction.count) + fraction
        return (value < 0 ? "-" : "") + "\(whole).\(padded)"
    }

    /// Parses a strict decimal (`"12"`, `"-12.3"`, `"+12.30"`) into units of 10^-digits.
    /// Refuses whitespace, exponents, a dangling dot, more than `digits` fraction digits and
    /// values of more than 12 whole digits (so that sums of amounts cannot overflow).
    static func parse(_ text: String, digits: Int, allowSign: Bool) -> Int64? {
        var scalars = Substring(text)
        var negative = false
        if let first = scalars.first, first == "-" || first == "+" {
            guard allowSign else { return nil }
            negative = first == "-"
            scalars = scalars.dropFirst()
        }
        let parts = scalars.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { return nil }
        let whole = parts[0]
        let fraction = parts.count == 2 ? parts[1] : ""
        guard !whole.isEmpty, whole.count <= 12, whole.allSatisfy(\.isASCIIDigitCharacter) else { return nil }
        if parts.count == 2 {
            guard !fraction.isEmpty, fraction.count <= digits, fraction.allSatisfy(\.isASCIIDigitCharacter) else {
                return nil
            }
        }
        guard let wholeValue = Int64(whole) else { return nil }
        let paddedFraction = String(fraction) + String(repeating: "0", count: digits - fraction.count)
        let fractionValue = digits > 0 ? (Int64(paddedFraction) ?? 0) : 0
        let value = wholeValue * pow10(digits) + fractionValue
        return negative ? -value : value
    }

    /// Parses a plain integer (`"42"`, `"-7"`), refusing anything else.
    static func parseInteger(_ text: String) -> Int64? {
        var body = Substring(text)
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        guard !body.isEmpty, body.count <= 18, body.allSatisfy(\.isASCIIDigitCharacter) else { return nil }
        return Int64(text.hasPrefix("+") ? String(text.dropFirst()) : text)
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { ("0"..."9").contains(self) && isASCII }
}

/// Conversions between `Date` and integer Unix time.
enum UnixTime {
    /// Whole Unix seconds (rounded down).
    static func seconds(_ date: Date) -> Int64 {
        let value = milliseconds(date)
        return value / 1_000 - (value % 1_000 < 0 ? 1 : 0)
    }

    /// Whole Unix milliseconds (rounded down). `Date` only exposes its value as a floating-point
    /// `TimeInterval`, so this is the one place that reads it; everything after is integer.
    static func milliseconds(_ date: Date) -> Int64 {
        // ±292 million years; anything beyond (or NaN) is clamped instead of trapping.
        let value = (date.timeIntervalSince1970 * 1_000).rounded(.down)
        guard value.isFinite else { return 0 }
        return Int64(exactly: value) ?? (value < 0 ? -9_000_000_000_000_000 : 9_000_000_000_000_000)
    }

    /// ISO 8601 in UTC with seconds and `Z`, for example `"2026-11-22T05:39:42Z"`.
    static func iso8601(_ seconds: Int64) -> String {
        let days = floorDiv(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        // Civil-from-days (proleptic Gregorian calendar).
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let yearText = String(year)
        let paddedYear = String(repeating: "0", count: max(0, 4 - yearText.count)) + yearText
        return "\(paddedYear)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):"
            + "\(two(secondOfDay % 3600 / 60)):\(two(secondOfDay % 60))Z"
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}

/// Case-insensitive masks with `*` wildcards, as MT5 group masks (`demo*,real\\*`, `!` excludes).
struct GroupMask: Sendable {
    private let include: [[Character]]
    private let exclude: [[Character]]

    /// Parses a comma-separated list of masks.
    init(_ text: String) {
        self.init(patterns: text.split(separator: ",").map(String.init))
    }

    init(patterns: [String]) {
        var include = [[Character]]()
        var exclude = [[Character]]()
        for raw in patterns {
            let pattern = raw.trimmingCharacters(in: .whitespaces).lowercased()
            if pattern.isEmpty { continue }
            if pattern.hasPrefix("!") {
                exclude.append(Array(pattern.dropFirst()))
            } else {
                include.append(Array(pattern))
            }
        }
        self.include = include
        self.exclude = exclude
    }

    var isEmpty: Bool { include.isEmpty }

    func matches(_ name: String) -> Bool {
        let text = Array(name.lowercased())
        guard include.contains(where: { Self.glob($0, text) }) else { return false }
        return !exclude.contains { Self.glob($0, text) }
    }

    /// Iterative glob match with `*` only.
    private static func glob(_ pattern: [Character], _ text: [Character]) -> Bool {
        var p = 0
        var t = 0
        var star = -1
        var mark = 0
        while t < text.count {
            if p < pattern.count, pattern[p] != "*", pattern[p] == text[t] {
                p += 1
                t += 1
            } else if p < pattern.count, pattern[p] == "*" {
                star = p
                mark = t
                p += 1
            } else if star >= 0 {
                p = star + 1
                mark += 1
                t = mark
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
