import Foundation

/// A date of birth as the lists give it: an exact date, a year, or a range of years.
public enum BirthDate: Sendable, Equatable, Hashable, Codable {
    case exact(year: Int, month: Int, day: Int)
    case year(Int)
    case years(from: Int, to: Int)
}

/// One sanctions or PEP list entry with its aliases, as the matcher sees it. Built from the
/// platform tables of the current version (platform migration 0006) by the list store.
public struct ListEntry: Sendable, Equatable {
    /// An alias and whether the list calls it strong (a.k.a., Good) or weak (Low quality).
    public struct Alias: Sendable, Equatable, Hashable {
        public let name: String
        public let strong: Bool
        public init(name: String, strong: Bool) {
            self.name = name
            self.strong = strong
        }
    }

    public let versionID: UUID
    /// `ofac` or `un`.
    public let source: String
    /// OFAC `ent_num` or UN `DATAID`: the same entry across versions.
    public let ref: String
    /// `individual`, `entity`, `vessel`, `aircraft` or `other`.
    public let kind: String
    public let primaryName: String
    public let aliases: [Alias]
    public let datesOfBirth: [BirthDate]
    /// ISO 3166 alpha-2 codes.
    public let countries: [String]
    public let programs: [String]
    /// Digest of the entry's content: a remembered false positive lasts until it changes.
    public let checksum: String

    public init(versionID: UUID, source: String, ref: String, kind: String, primaryName: String, aliases: [Alias],
                datesOfBirth: [BirthDate], countries: [String], programs: [String], checksum: String) {
        self.versionID = versionID
        self.source = source
        self.ref = ref
        self.kind = kind
        self.primaryName = primaryName
        self.aliases = aliases
        self.datesOfBirth = datesOfBirth
        self.countries = countries
        self.programs = programs
        self.checksum = checksum
    }
}

/// Who is screened: a client's name with the date of birth and country when known.
public struct ScreeningSubject: Sendable, Equatable {
    public let name: String
    /// Year, month, day.
    public let dateOfBirth: (year: Int, month: Int, day: Int)?
    /// ISO 3166 alpha-2.
    public let country: String?

    public init(name: String, dateOfBirth: (year: Int, month: Int, day: Int)?, country: String?) {
        self.name = name
        self.dateOfBirth = dateOfBirth
        self.country = country
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.name == b.name && a.country == b.country && a.dateOfBirth?.year == b.dateOfBirth?.year
            && a.dateOfBirth?.month == b.dateOfBirth?.month && a.dateOfBirth?.day == b.dateOfBirth?.day
    }
}

/// Why a name scored what it did: shown to the reviewer and stored with the hit.
public struct MatchExplanation: Sendable, Equatable, Codable {
    /// One token of the subject paired with one token of the list name.
    public struct TokenPair: Sendable, Equatable, Codable {
        public let subject: String
        public let listed: String
        /// Jaro-Winkler (or phonetic) similarity of the pair, 0–1.
        public let similarity: Double
        /// `exact`, `jaro_winkler`, `phonetic`, `initial`, `joined` or `weak` (honorific, company suffix).
        public let how: String
        public init(subject: String, listed: String, similarity: Double, how: String) {
            self.subject = subject
            self.listed = listed
            self.similarity = similarity
            self.how = how
        }
    }

    /// The list name (primary or alias) that matched best.
    public let matchedName: String
    public let matchedAlias: Bool
    public let pairs: [TokenPair]
    /// The name score before evidence, 0–1.
    public let nameScore: Double
    /// Added to the name score by the date of birth (negative when it contradicts), and why.
    public let dateOfBirthEffect: Double
    public let dateOfBirthNote: String
    /// Added by the country, and why.
    public let countryEffect: Double
    public let countryNote: String

    public init(matchedName: String, matchedAlias: Bool, pairs: [TokenPair], nameScore: Double, dateOfBirthEffect: Double,
                dateOfBirthNote: String, countryEffect: Double, countryNote: String) {
        self.matchedName = matchedName
        self.matchedAlias = matchedAlias
        self.pairs = pairs
        self.nameScore = nameScore
        self.dateOfBirthEffect = dateOfBirthEffect
        self.dateOfBirthNote = dateOfBirthNote
        self.countryEffect = countryEffect
        self.countryNote = countryNote
    }
}

/// A list entry that scored at or above the threshold for a subject.
public struct ScreeningMatch: Sendable, Equatable {
    public let entry: ListEntry
    /// Final score, 0–1: the name score plus the evidence effects, clamped.
    public let score: Double
    public let explanation: MatchExplanation

    public init(entry: ListEntry, score: Double, explanation: MatchExplanation) {
        self.entry = entry
        self.score = score
        self.explanation = explanation
    }
}

/// An in-memory index over the current list entries that screens one subject quickly.
public protocol ScreeningIndex: Sendable {
    /// The list versions the index was built from (source → version id).
    var versions: [String: UUID] { get }
    /// Entries scoring at or above `threshold`, best first.
    func matches(for subject: ScreeningSubject, threshold: Double) -> [ScreeningMatch]
}
