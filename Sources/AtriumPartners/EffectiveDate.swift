import Foundation

/// The instant a staff change (a client reassignment, a sub-IB move) takes effect, from the date
/// a form gives. History is never rewritten: a past date is refused, because commission lines
/// already written for that time would no longer agree with the attribution or the tree.
public enum EffectiveDate {
    /// `YYYY-MM-DD` (UTC). Today means now; a later day means 00:00 UTC of that day; an earlier
    /// day, or text that is not a date, is refused naming `field`.
    public static func instant(_ text: String, now: Date = Date(), field: String = "effective_date") throws -> Date {
        let value = text.trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { throw PartnerError.invalid(field: field, reason: .required) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard value.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil, parts.count == 3,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              let day = calendar.date(from: DateComponents(year: y, month: m, day: d)),
              calendar.component(.month, from: day) == m, calendar.component(.day, from: day) == d else {
            throw PartnerError.invalid(field: field, reason: .invalid)
        }
        let today = calendar.startOfDay(for: now)
        if day < today { throw PartnerError.invalid(field: field, reason: .inPast) }
        return day == today ? now : day
    }
}
