import Foundation

/// How a report groups time: days up to `ReportBucket.dailyLimit` days, ISO weeks (from Monday) beyond.
public enum ReportBucket: String, Sendable {
    case day, week

    /// Longest range still drawn one bar per day; longer ranges would give bars a pixel wide.
    public static let dailyLimit = 92
}

extension ReportRange {
    /// The bucket this range's time series use.
    public var bucket: ReportBucket { days <= ReportBucket.dailyLimit ? .day : .week }

    /// Start of every bucket that overlaps the range, in order (a week may start before `from`).
    public var bucketStarts: [Date] {
        var start = bucketStart(of: from)
        var out: [Date] = []
        let step: Double = bucket == .day ? 86_400 : 7 * 86_400
        while start < to {
            out.append(start)
            start = start.addingTimeInterval(step)
        }
        return out
    }

    /// The bucket `date` falls in: its UTC day, or the Monday of its ISO week.
    public func bucketStart(of date: Date) -> Date {
        let day = (date.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400
        guard bucket == .week else { return Date(timeIntervalSince1970: day) }
        // 1970-01-01 was a Thursday: days since the epoch + 3, modulo 7, is days since Monday.
        let dayNumber = Int64(day / 86_400)
        let sinceMonday = ((dayNumber + 3) % 7 + 7) % 7
        return Date(timeIntervalSince1970: day - Double(sinceMonday) * 86_400)
    }

    /// `'day'` or `'week'`, the `date_trunc` field the SQL groups by (always one of the two literals).
    var truncField: String { bucket.rawValue }

    /// Seconds in a bucket, for SQL that buckets epoch seconds with integer arithmetic (cheaper per
    /// row than `date_trunc` on a time zone conversion).
    var bucketSeconds: Int64 { bucket == .day ? 86_400 : 7 * 86_400 }

    /// Where buckets start, in epoch seconds: 0, or 1970-01-05 (the first Monday) for weeks.
    var bucketOffset: Int64 { bucket == .day ? 0 : 4 * 86_400 }
}
