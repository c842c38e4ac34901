import Foundation

/// What the OFAC `Remarks` field says about an entry, beyond its names.
public struct ParsedRemarks: Sendable, Equatable {
    public var datesOfBirth: [BirthDate] = []
    public var placesOfBirth: [String] = []
    /// ISO alpha-2 codes of the nationalities and citizenships named.
    public var countries: [String] = []
    public var identifiers: [ListIdentifier] = []
    /// Segments that look like a DOB but could not be read (kept so a loader can report them).
    public var unreadDates: [String] = []
    public init() {}
}

/// Reads the semicolon-separated facts of an OFAC `Remarks` field: `DOB 28 Jul 1963; alt. DOB 1964;
/// POB Baghdad, Iraq; nationality Iraq; citizenship Iraq; Passport A123 (Iraq); National ID No. 45 (Iraq)`.
/// Anything else (`Gender Male`, `Linked To: …`) is kept only in the remarks text.
public enum RemarksParser {
    /// Identity document labels as OFAC writes them, longest first so `National ID No.` wins over shorter ones.
    static let documentLabels: [String] = [
        "National Foreign ID Number", "National ID No.", "Passport No.", "Passport", "Cedula No.", "Tax ID No.",
        "Identification Number", "Registration ID", "Registration Number", "Residency Number", "Personal ID Card",
        "Driver's License No.", "SSN", "D.N.I.", "C.U.R.P.", "R.F.C.", "NIT #", "Vessel Registration Identification",
        "MMSI", "Aircraft Manufacturer's Serial Number (MSN)",
    ].sorted { $0.count > $1.count }

    static let months: [String: Int] = [
        "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
        "nov": 11, "dec": 12, "january": 1, "february": 2, "march": 3, "april": 4, "june": 6, "july": 7, "august": 8,
        "september": 9, "october": 10, "november": 11, "december": 12,
    ]

    /// Parses a whole Remarks field.
    public static func parse(_ remarks: String) -> ParsedRemarks {
        var out = ParsedRemarks()
        for raw in remarks.split(separator: ";") {
            var segment = raw.trimmingCharacters(in: .whitespaces)
            if segment.hasSuffix(".") && !segment.hasSuffix("No.") { segment.removeLast() }
            if segment.lowercased().hasPrefix("alt. ") { segment = String(segment.dropFirst(5)) }
            let lower = segment.lowercased()
            if lower.hasPrefix("dob ") {
                let value = String(segment.dropFirst(4))
                if let dob = birthDate(value) { out.datesOfBirth.append(dob) } else { out.unreadDates.append(value) }
            } else if lower.hasPrefix("pob ") {
                out.placesOfBirth.append(String(segment.dropFirst(4)).trimmingCharacters(in: .whitespaces))
            } else if lower.hasPrefix("nationality ") || lower.hasPrefix("citizenship ") {
                let name = segment.drop { $0 != " " }.trimmingCharacters(in: .whitespaces)
                if let code = ListCountries.code(for: name), !out.countries.contains(code) { out.countries.append(code) }
            } else if let id = identifier(segment) {
                out.identifiers.append(id)
            }
        }
        return out
    }

    /// `28 Jul 1963`, `Jul 1963`, `1963`, `circa 1963`, `1960 to 1965`, `1960 - 1965`.
    public static func birthDate(_ raw: String) -> BirthDate? {
        var text = raw.trimmingCharacters(in: .whitespaces)
        for prefix in ["circa ", "approximately ", "approx. ", "c. "] where text.lowercased().hasPrefix(prefix) {
            text = String(text.dropFirst(prefix.count))
        }
        for separator in [" to ", " - ", "-"] {
            let halves = text.components(separatedBy: separator)
            if halves.count == 2, let from = year(lastTokenOf: halves[0]), let to = year(lastTokenOf: halves[1]) {
                return from <= to ? .years(from: from, to: to) : nil
            }
        }
        let tokens = text.split(separator: " ").map(String.init)
        switch tokens.count {
        case 1:
            return year(tokens[0]).map { .year($0) }
        case 2:
            guard months[tokens[0].lowercased()] != nil, let y = year(tokens[1]) else { return nil }
            return .year(y)
        case 3:
            guard let d = Int(tokens[0]), let m = months[tokens[1].lowercased()], let y = year(tokens[2]),
                  (1...31).contains(d), valid(year: y, month: m, day: d) else { return nil }
            return .exact(year: y, month: m, day: d)
        default:
            return nil
        }
    }

    /// `Passport A1234567 (Iraq) expires 2010` → Passport, A1234567, IQ.
    static func identifier(_ segment: String) -> ListIdentifier? {
        guard let label = documentLabels.first(where: { segment.hasPrefix($0 + " ") }) else { return nil }
        let rest = segment.dropFirst(label.count).trimmingCharacters(in: .whitespaces)
        var number = rest
        var country: String?
        if let open = rest.firstIndex(of: "("), let close = rest[open...].firstIndex(of: ")") {
            number = rest[..<open].trimmingCharacters(in: .whitespaces)
            country = ListCountries.code(for: String(rest[rest.index(after: open)..<close]))
        } else if let space = rest.firstIndex(of: " ") {
            number = String(rest[..<space])
        }
        guard !number.isEmpty else { return nil }
        // `Vessel Registration Identification IMO 9123456`: the IMO number is the identifier.
        if label == "Vessel Registration Identification", number == "IMO" {
            let imo = rest.split(separator: " ").dropFirst().first.map(String.init) ?? ""
            return imo.isEmpty ? nil : ListIdentifier(type: "IMO", number: imo, country: nil)
        }
        let type = label.hasSuffix(" No.") ? String(label.dropLast(4)) : label
        return ListIdentifier(type: type, number: number, country: country)
    }

    private static func year(_ token: String) -> Int? {
        guard token.count == 4, let y = Int(token), (1850...2100).contains(y) else { return nil }
        return y
    }

    private static func year(lastTokenOf text: String) -> Int? {
        text.split(separator: " ").last.flatMap { year(String($0)) }
    }

    private static func valid(year: Int, month: Int, day: Int) -> Bool {
        var c = DateComponents()
        c.year = year; c.month = month; c.day = day
        return Calendar(identifier: .gregorian).date(from: c).map {
            Calendar(identifier: .gregorian).component(.day, from: $0) == day
        } ?? false
    }
}
