import AtriumCore
import Foundation

/// The two public list formats Atrium loads.
public enum ListSource: String, Sendable, CaseIterable, Codable {
    /// OFAC SDN legacy CSV (`sdn.csv`, `alt.csv`, `add.csv`, `sdn_comments.csv`).
    case ofac
    /// UN Security Council consolidated list XML.
    case un
}

/// An identity document named by a list (`Passport A123`, `National ID No. 456 (Iran)`).
public struct ListIdentifier: Sendable, Equatable, Hashable, Codable {
    public let type: String
    public let number: String
    public let country: String?

    public init(type: String, number: String, country: String?) {
        self.type = type
        self.number = number
        self.country = country
    }
}

/// One entry as read from a list file, before it is stored.
public struct ParsedEntry: Sendable, Equatable {
    /// OFAC `ent_num` or UN `DATAID`.
    public var sourceRef: String
    /// `individual`, `entity`, `vessel`, `aircraft` or `other`.
    public var kind: String
    public var primaryName: String
    public var programs: [String] = []
    /// ISO 3166 alpha-2 codes (nationality, citizenship, address), without duplicates.
    public var countries: [String] = []
    public var datesOfBirth: [BirthDate] = []
    public var placesOfBirth: [String] = []
    public var identifiers: [ListIdentifier] = []
    public var remarks: String = ""
    public var aliases: [ListEntry.Alias] = []

    public init(sourceRef: String, kind: String, primaryName: String) {
        self.sourceRef = sourceRef
        self.kind = kind
        self.primaryName = primaryName
    }

    /// Adds a country code once, keeping first-seen order.
    mutating func addCountry(_ code: String?) {
        guard let code, !countries.contains(code) else { return }
        countries.append(code)
    }

    /// A digest of the entry's content; a remembered false positive lasts until it changes.
    public var checksum: String {
        let dobs = datesOfBirth.map(BirthDateJSON.init)
        let canonical = Canonical(ref: sourceRef, kind: kind, name: primaryName, programs: programs, countries: countries, dobs: dobs,
                                  pobs: placesOfBirth, ids: identifiers, remarks: remarks,
                                  aliases: aliases.map { "\($0.strong ? "s" : "w"):\($0.name)" })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = (try? encoder.encode(canonical)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return Token.hex(Token.digest(text))
    }

    private struct Canonical: Encodable {
        let ref, kind, name: String
        let programs, countries: [String]
        let dobs: [BirthDateJSON]
        let pobs: [String]
        let ids: [ListIdentifier]
        let remarks: String
        let aliases: [String]
    }
}

/// A whole list file set, parsed and checked, ready to store as one version.
public struct ParsedList: Sendable, Equatable {
    public let source: ListSource
    /// The publication date the file states (UN `dateGenerated`); OFAC CSV states none.
    public var publishedAt: Date?
    public let entries: [ParsedEntry]
    /// SHA-256 of the input files' bytes, in the order given.
    public let checksum: String

    public init(source: ListSource, publishedAt: Date?, entries: [ParsedEntry], checksum: String) {
        self.source = source
        self.publishedAt = publishedAt
        self.entries = entries
        self.checksum = checksum
    }

    /// Number of aliases over all entries.
    public var aliasCount: Int { entries.reduce(0) { $0 + $1.aliases.count } }
}

/// The stored JSON form of a date of birth (platform migration 0006): `{"date":"1963-07-28"}`,
/// `{"year":1963}` or `{"from":1960,"to":1965}`.
struct BirthDateJSON: Codable, Equatable {
    var date: String?
    var year: Int?
    var from: Int?
    var to: Int?

    init(_ dob: BirthDate) {
        switch dob {
        case let .exact(y, m, d): date = String(format: "%04d-%02d-%02d", y, m, d)
        case let .year(y): year = y
        case let .years(f, t): from = f; to = t
        }
    }

    var birthDate: BirthDate? {
        if let date {
            let parts = date.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3 else { return nil }
            return .exact(year: parts[0], month: parts[1], day: parts[2])
        }
        if let year { return .year(year) }
        if let from, let to { return .years(from: from, to: to) }
        return nil
    }
}

/// Why a list file was refused: the file, the line (CSV) or element path (XML), and what was wrong.
public struct ListLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    /// `line 12` or `CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL[3]/DATAID`; empty when the whole file is at fault.
    public let location: String
    public let problem: String

    public init(file: String, location: String, problem: String) {
        self.file = file
        self.location = location
        self.problem = problem
    }

    public var description: String {
        location.isEmpty ? "\(file): \(problem)" : "\(file), \(location): \(problem)"
    }
}
