import AtriumCore
import Foundation

/// The date range and country filter every Back Office report and chart takes: `[from, to)` in UTC,
/// whole days, at most 366 days, with an optional ISO country code.
public struct ReportRange: Sendable, Equatable {
    public let from: Date
    public let to: Date
    public let country: String?

    /// Longest range a report covers, in days.
    public static let maximumDays = 366

    /// The last `days` whole days up to and including the day of `now`.
    public static func lastDays(_ days: Int, now: Date = Date(), country: String? = nil) -> ReportRange {
        let end = Self.utc.startOfDay(for: now).addingTimeInterval(86_400)
        return ReportRange(from: end.addingTimeInterval(-86_400 * Double(days)), to: end, country: country)
    }

    /// Parses the `from`/`to` (YYYY-MM-DD, `to` inclusive) and `country` query fields; a bad one is an
    /// `InputError` naming it. Missing dates default to the last 30 days.
    public static func parse(from: String?, to: String?, country: String?, now: Date = Date()) throws -> ReportRange {
        let fallback = lastDays(30, now: now)
        let start = try day(from, field: "from") ?? fallback.from
        let lastDay = try day(to, field: "to") ?? fallback.to.addingTimeInterval(-86_400)
        let end = lastDay.addingTimeInterval(86_400)
        guard start < end else { throw InputError(field: "to", reason: "must not be before from") }
        guard end.timeIntervalSince(start) <= Double(maximumDays) * 86_400 else {
            throw InputError(field: "from", reason: "a range covers at most \(maximumDays) days")
        }
        var code: String?
        if let raw = country?.trimmingCharacters(in: .whitespaces).uppercased(), !raw.isEmpty {
            guard raw.count == 2, raw.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                throw InputError(field: "country", reason: "a two-letter country code")
            }
            code = raw
        }
        return ReportRange(from: start, to: end, country: code)
    }

    public init(from: Date, to: Date, country: String? = nil) {
        self.from = from
        self.to = to
        self.country = country
    }

    /// Whole UTC days in the range.
    public var days: Int { Int((to.timeIntervalSince(from) / 86_400).rounded(.up)) }

    /// `YYYY-MM-DD` of a date, UTC.
    public static func format(_ date: Date) -> String {
        let c = utc.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }

    private static func day(_ text: String?, field: String) throws -> Date? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 3, let y = parts[0], let m = parts[1], let d = parts[2], (1970...9999).contains(y),
              let date = utc.date(from: DateComponents(year: y, month: m, day: d)),
              format(date) == String(format: "%04d-%02d-%02d", y, m, d) else {
            throw InputError(field: field, reason: "a date like 2026-01-31")
        }
        return date
    }

    private static let utc: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC") ?? .current
        return c
    }()
}
