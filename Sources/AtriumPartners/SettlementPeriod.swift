import Foundation

/// How often pending commission lines are settled (`partners.settlement` in the brand file).
public enum SettlementFrequency: String, Sendable, CaseIterable {
    case daily
    case monthly

    /// The brand's setting; anything but `daily` settles monthly (the documented default).
    public init(setting: String) {
        self = setting == "daily" ? .daily : .monthly
    }
}

/// One settlement period: whole UTC days from `start` to `end` inclusive. A line belongs to the
/// period containing its deal time in UTC (a brand's local midnight would move lines between
/// periods when the brand changes its time zone; UTC never does).
public struct SettlementPeriod: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// First day, `YYYY-MM-DD`.
    public let start: String
    /// Last day (inclusive), `YYYY-MM-DD`.
    public let end: String
    let startDate: Date
    let nextDate: Date

    static let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()

    /// The period of `frequency` that contains `instant`.
    public init(containing instant: Date, frequency: SettlementFrequency) {
        let c = Self.calendar
        let day = c.startOfDay(for: instant)
        let first: Date
        let next: Date
        switch frequency {
        case .daily:
            first = day
            next = c.date(byAdding: .day, value: 1, to: day) ?? day.addingTimeInterval(86_400)
        case .monthly:
            first = c.date(from: c.dateComponents([.year, .month], from: day)) ?? day
            next = c.date(byAdding: .month, value: 1, to: first) ?? first.addingTimeInterval(31 * 86_400)
        }
        startDate = first
        nextDate = next
        start = Self.text(first)
        end = Self.text(next.addingTimeInterval(-86_400))
    }

    /// The period before this one.
    public func previous(_ frequency: SettlementFrequency) -> SettlementPeriod {
        SettlementPeriod(containing: startDate.addingTimeInterval(-1), frequency: frequency)
    }

    /// The first instant after the period (exclusive bound of its deal times).
    public var endExclusive: Date { nextDate }

    static func text(_ date: Date) -> String {
        let p = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", p.year ?? 0, p.month ?? 0, p.day ?? 0)
    }

    public var description: String { start == end ? start : "\(start)…\(end)" }

    public static func < (a: SettlementPeriod, b: SettlementPeriod) -> Bool { a.start < b.start }
    public static func == (a: SettlementPeriod, b: SettlementPeriod) -> Bool { a.start == b.start && a.end == b.end }
    public func hash(into h: inout Hasher) { h.combine(start); h.combine(end) }
}
