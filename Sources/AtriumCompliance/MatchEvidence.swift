import Foundation

/// Date of birth and country as evidence for or against a name match.
///
/// The numbers (added to the name score, the total clamped to 0–1):
/// - date of birth: the same exact date +0.05; the same year (either side only a year, or a
///   listed range that contains it) +0.02; the same year but a different month or day −0.03;
///   one year apart −0.04 (a common typing or calendar slip); further apart −0.10; a listed range
///   that does not contain the year −0.10; nothing to compare 0.
/// - country: the subject's country among the entry's +0.02; the entry names countries and the
///   subject's is not one of them −0.02; nothing to compare 0.
/// Evidence never turns a weak name into a hit by itself: +0.07 at most.
public enum MatchEvidence {
    /// Effects of the date of birth, in the order above.
    public static let exactDate = 0.05, sameYear = 0.02, sameYearOtherDay = -0.03, adjacentYear = -0.04, otherYear = -0.10
    /// Effects of the country.
    public static let sameCountry = 0.02, otherCountry = -0.02

    /// The date-of-birth effect and its note.
    public static func dateOfBirth(_ subject: (year: Int, month: Int, day: Int)?, _ listed: [BirthDate]) -> (effect: Double, note: String) {
        guard let s = subject else { return (0, listed.isEmpty ? "no date of birth on either side" : "subject's date of birth unknown") }
        guard !listed.isEmpty else { return (0, "no date of birth on the list entry") }
        let subjectText = String(format: "%04d-%02d-%02d", s.year, s.month, s.day)
        var best: (effect: Double, note: String)?
        for d in listed {
            let r: (Double, String)
            switch d {
            case let .exact(y, m, dd):
                let listedText = String(format: "%04d-%02d-%02d", y, m, dd)
                if y == s.year && m == s.month && dd == s.day { r = (exactDate, "same date of birth \(listedText)") }
                else if y == s.year { r = (sameYearOtherDay, "same year, different day: \(subjectText) vs \(listedText)") }
                else if abs(y - s.year) == 1 { r = (adjacentYear, "one year apart: \(subjectText) vs \(listedText)") }
                else { r = (otherYear, "different year: \(subjectText) vs \(listedText)") }
            case let .year(y):
                if y == s.year { r = (sameYear, "same year of birth \(y)") }
                else if abs(y - s.year) == 1 { r = (adjacentYear, "one year apart: \(s.year) vs \(y)") }
                else { r = (otherYear, "different year: \(s.year) vs \(y)") }
            case let .years(from, to):
                if (from...max(from, to)).contains(s.year) { r = (sameYear, "year \(s.year) within listed \(from)–\(to)") }
                else { r = (otherYear, "year \(s.year) outside listed \(from)–\(to)") }
            }
            // The entry's most favourable date counts: lists give several candidate dates.
            if let b = best, b.effect >= r.0 { continue }
            best = (r.0, r.1)
        }
        return best ?? (0, "")
    }

    /// The effect of `dateOfBirth(_:_:)` without its note: the same rules, for bounding scores
    /// before a name is scored (no string is built).
    public static func dateOfBirthEffect(_ subject: (year: Int, month: Int, day: Int)?, _ listed: ArraySlice<BirthDate>) -> Double {
        guard let s = subject, !listed.isEmpty else { return 0 }
        var best: Double?
        for d in listed {
            let e: Double
            switch d {
            case let .exact(y, m, dd):
                if y == s.year && m == s.month && dd == s.day { e = exactDate }
                else if y == s.year { e = sameYearOtherDay }
                else if abs(y - s.year) == 1 { e = adjacentYear }
                else { e = otherYear }
            case let .year(y):
                e = y == s.year ? sameYear : abs(y - s.year) == 1 ? adjacentYear : otherYear
            case let .years(from, to):
                e = (from...max(from, to)).contains(s.year) ? sameYear : otherYear
            }
            if let b = best, b >= e { continue }
            best = e
        }
        return best ?? 0
    }

    /// The effect of `country(_:_:)` without its note; both codes already upper-case.
    public static func countryEffect(upperSubject s: String?, upperListed listed: [String]) -> Double {
        guard let s, !s.isEmpty, !listed.isEmpty else { return 0 }
        return listed.contains(s) ? sameCountry : otherCountry
    }

    /// The country effect and its note.
    public static func country(_ subject: String?, _ listed: [String]) -> (effect: Double, note: String) {
        guard let s = subject?.uppercased(), !s.isEmpty else { return (0, "subject's country unknown") }
        guard !listed.isEmpty else { return (0, "no country on the list entry") }
        let upper = listed.map { $0.uppercased() }
        if upper.contains(s) { return (sameCountry, "same country \(s)") }
        return (otherCountry, "country \(s) not among listed \(upper.joined(separator: ", "))")
    }
}
