import AtriumCompliance
import Foundation
import Testing

/// The sanctions name matcher: normalisation rules, Jaro-Winkler, scoring, evidence, explanation,
/// the index against brute force, and the pair file the CLI reads.
@Suite struct NameMatchingTests {
    @Test func normaliserFoldsCaseDiacriticsAndPunctuation() {
        #expect(NameNormalizer.words("José MÜLLER-Ørsted") == ["jose", "muller", "orsted"])
        #expect(NameNormalizer.words("O'Brien, Patrick") == ["obrien", "patrick"])
        #expect(NameNormalizer.words("J. R. Smith") == ["j", "r", "smith"])
        #expect(NameNormalizer.words("Meridian Capital L.L.C.") == ["meridian", "capital", "llc"])
    }

    @Test func normaliserTransliteratesCyrillicGreekAndArabic() {
        #expect(NameNormalizer.words("Владимир Путин") == ["vladimir", "putin"])
        #expect(NameNormalizer.words("Дмитрий Кузнецов") == ["dmitriy", "kuznetsov"])
        #expect(NameNormalizer.words("Γιώργος Παπαδόπουλος") == ["giorgos", "papadopoulos"])
        #expect(NameNormalizer.words("محمد حسن") == ["mhmd", "hsn"])
        #expect(NameNormalizer.tokens("محمد حسن").map(\.abjad) == [true, true])
        #expect(NameNormalizer.tokens("Mohammed Hassan").map(\.abjad) == [false, false])
    }

    @Test func honorificsSuffixesAndParticlesAreWeak() {
        let t = NameNormalizer.tokens("Sheikh Hamad Al Thani")
        #expect(t.map(\.weak) == [true, false, true, false])
        #expect(NameNormalizer.tokens("Acme Trading LLC").map(\.weak) == [false, false, true])
        #expect(NameNormalizer.tokens("OOO Stroiinvest").map(\.weak) == [true, false])
        #expect(NameScorer.score("Dr. Ahmed Khalil", "Ahmed Khalil").score == 1)
        #expect(NameScorer.score("Acme Trading LLC", "Acme Trading Ltd").score == 1)
    }

    @Test func phoneticKeyIgnoresVowelsAndCodesTheFirstLetter() {
        let code = { (s: String) in String(decoding: PhoneticKey.code(Array(s.utf8)), as: UTF8.self) }
        #expect(code("muhammad") == "53")
        #expect(code("mhmd") == "53")
        #expect(code("yusuf") == code("jusuf"))
        #expect(code("aleksandr") == code("alexander"))
        #expect(code("petrov") != code("popov"))
    }

    @Test func jaroWinklerKnownValues() {
        let jw = { (a: String, b: String) in JaroWinkler.similarity(Array(a.utf8), Array(b.utf8)) }
        // Winkler's published examples: MARTHA/MARHTA 0.961, DWAYNE/DUANE 0.84, DIXON/DICKSONX 0.813.
        #expect(abs(jw("martha", "marhta") - 0.9611) < 0.0005)
        #expect(abs(jw("dwayne", "duane") - 0.84) < 0.0005)
        #expect(abs(jw("dixon", "dicksonx") - 0.8133) < 0.0005)
        #expect(jw("abc", "abc") == 1)
        #expect(jw("abc", "xyz") == 0)
    }

    @Test func reorderedJoinedAndInitialTokens() {
        #expect(NameScorer.score("Smith John", "John Smith").score == 1)
        let joined = NameScorer.score("Abdul Rahman", "Abdulrahman")
        #expect(joined.score == 1)
        #expect(joined.pairs.map(\.how) == ["joined"])
        let initial = NameScorer.score("J. Smith", "John Smith")
        #expect(initial.pairs.contains { $0.subject == "j" && $0.listed == "john" && $0.how == "initial" && $0.similarity == 0.85 })
        #expect(abs(initial.score - 0.925) < 0.0001)
        #expect(NameScorer.score("John Smith", "John Brown").score < 0.6)
        #expect(NameScorer.score("Smith", "John Smith").score < 0.88)
    }

    @Test func explanationOfAKnownPair() throws {
        let entry = Self.entry("7", "Mukhammad Hasanov", aliases: [.init(name: "Muhammad Hassan", strong: true)],
                               dob: [.exact(year: 1970, month: 5, day: 1)], countries: ["SY"])
        let m = NameMatchIndex.explain(subject: ScreeningSubject(name: "محمد حسن", dateOfBirth: (1970, 5, 1), country: "SY"), entry: entry)
        #expect(m.explanation.matchedName == "Muhammad Hassan")
        #expect(m.explanation.matchedAlias)
        #expect(m.explanation.pairs.count == 2)
        #expect(m.explanation.pairs.contains { $0.subject == "mhmd" && $0.listed == "muhammad" && $0.how == "phonetic" && $0.similarity == 0.93 })
        #expect(m.explanation.nameScore == 0.93)
        #expect(m.explanation.dateOfBirthEffect == 0.05)
        #expect(m.explanation.dateOfBirthNote == "same date of birth 1970-05-01")
        #expect(m.explanation.countryEffect == 0.02)
        #expect(m.score == 1)
    }

    @Test func dateOfBirthAndCountryEffects() {
        let dob: [BirthDate] = [.exact(year: 1963, month: 7, day: 28)]
        #expect(MatchEvidence.dateOfBirth((1963, 7, 28), dob).effect == 0.05)
        #expect(MatchEvidence.dateOfBirth((1963, 1, 2), dob).effect == -0.03)
        #expect(MatchEvidence.dateOfBirth((1964, 7, 28), dob).effect == -0.04)
        #expect(MatchEvidence.dateOfBirth((1980, 7, 28), dob).effect == -0.10)
        #expect(MatchEvidence.dateOfBirth((1980, 7, 28), [.year(1980)]).effect == 0.02)
        #expect(MatchEvidence.dateOfBirth((1980, 7, 28), [.years(from: 1978, to: 1982)]).effect == 0.02)
        #expect(MatchEvidence.dateOfBirth((1990, 7, 28), [.years(from: 1978, to: 1982), .year(1990)]).effect == 0.02)
        #expect(MatchEvidence.dateOfBirth(nil, dob).effect == 0)
        #expect(MatchEvidence.country("ru", ["RU", "BY"]).effect == 0.02)
        #expect(MatchEvidence.country("GB", ["RU"]) == (-0.02, "country GB not among listed RU"))
        #expect(MatchEvidence.country(nil, ["RU"]).effect == 0)
        let entry = Self.entry("1", "Ivan Petrov", dob: dob, countries: ["RU"])
        let other = NameMatchIndex.explain(subject: ScreeningSubject(name: "Ivan Petrov", dateOfBirth: (1980, 1, 1), country: "GB"), entry: entry)
        #expect(abs(other.score - 0.88) < 0.0001)
    }

    @Test func indexMatchesBruteForceOnASample() {
        let entries = [
            Self.entry("1", "Ivan Petrov", aliases: [.init(name: "Иван Петров", strong: true)]),
            Self.entry("2", "Abdulrahman Mansour"),
            Self.entry("3", "Acme Trading LLC", aliases: [.init(name: "Acme Global Trading", strong: false)]),
            Self.entry("4", "Giorgos Papadopoulos"),
            Self.entry("5", "Mohammed Hassan Ali"),
            Self.entry("6", "John Smith"),
        ]
        let index = NameMatchIndex(entries: entries)
        let subjects = ["Ivan Petrov", "Petrov Ivan", "Abdul Rahman Mansour", "Acme Trading Ltd", "Γιώργος Παπαδόπουλος", "Mohamed Hasan",
                        "محمد حسن علي", "Jon Smith", "J. Smith", "Smith", "Nobody Here", "Ivan Popov"]
        for name in subjects {
            let s = ScreeningSubject(name: name, dateOfBirth: nil, country: nil)
            let fast = index.matches(for: s, threshold: 0.80).map { "\($0.entry.ref):\($0.score)" }
            let slow = index.bruteForceMatches(for: s, threshold: 0.80).map { "\($0.entry.ref):\($0.score)" }
            #expect(fast == slow, "\(name)")
        }
        #expect(index.matches(for: ScreeningSubject(name: "Petrov Ivan", dateOfBirth: nil, country: nil), threshold: 0.88).first?.entry.ref == "1")
        #expect(index.matches(for: ScreeningSubject(name: "Nobody Here", dateOfBirth: nil, country: nil), threshold: 0.88).isEmpty)
    }

    @Test func pairFileReadsHeaderAndNamesBadLines() throws {
        let pairs = try NamePairFile.parse("name1,name2\nJohn Smith,Jon Smith\n\"Smith, John\",J. Smith,1\n", path: "p.csv")
        #expect(pairs.map(\.name1) == ["John Smith", "Smith, John"])
        #expect(pairs.map(\.line) == [2, 3])
        #expect(pairs[1].extra == ["1"])
        #expect(ScreeningScoreReport.line(pairs[0]).hasSuffix("\tJohn Smith\tJon Smith"))
        #expect(throws: NamePairFile.Failure(path: "p.csv", line: 3, reason: "expected 2 columns (name1,name2), found 1")) {
            try NamePairFile.parse("name1,name2\nA,B\nC\n", path: "p.csv")
        }
        #expect(throws: NamePairFile.Failure(path: "p.csv", line: 2, reason: "name2 is empty")) {
            try NamePairFile.parse("A,B\nC,\n", path: "p.csv")
        }
        #expect(throws: NamePairFile.Failure(path: "/nonexistent.csv", line: nil, reason: "cannot read the file")) {
            try NamePairFile.read(path: "/nonexistent.csv")
        }
    }

    @Test func scoreReportExplains() {
        let text = ScreeningScoreReport.explain("Владимир Путин", "Putin Vladimir")
        #expect(text.hasPrefix("score 1.0000\n"))
        #expect(text.contains("normalised: vladimir putin | putin vladimir"))
        #expect(text.contains("  putin ~ putin  1.0000  exact"))
    }

    static func entry(_ ref: String, _ name: String, aliases: [ListEntry.Alias] = [], dob: [BirthDate] = [], countries: [String] = []) -> ListEntry {
        ListEntry(versionID: UUID(), source: "ofac", ref: ref, kind: "individual", primaryName: name, aliases: aliases, datesOfBirth: dob,
                  countries: countries, programs: [], checksum: ref)
    }
}
