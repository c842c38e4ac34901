@testable import AtriumCompliance
import Foundation
import Testing

/// The fast screening path (issue 13, speed): each shortcut — the mask-based Jaro-Winkler, the
/// similarity cap, the note-free evidence, the screener's bounds, two workers — must give exactly
/// what the plain computation gives.
@Suite struct NameMatchSpeedTests {
    /// SplitMix64: a fixed sequence per seed.
    struct Sequence {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
        mutating func pick<T>(_ a: [T]) -> T { a[next(a.count)] }
        /// A word over few letters (near misses are common), then one to three edits of it.
        mutating func word(_ length: Int) -> [UInt8] { (0..<length).map { _ in pick(Array("aeiklmnrst".utf8)) } }
        mutating func edit(_ w: [UInt8]) -> [UInt8] {
            var w = w
            for _ in 0...next(3) where w.count > 1 {
                let i = next(w.count)
                switch next(3) {
                case 0: w.remove(at: i)
                case 1: w.insert(pick(Array("aeiklmnrst".utf8)), at: i)
                default: w.swapAt(i, next(w.count))
                }
            }
            return w
        }
    }

    @Test func fastJaroWinklerEqualsTheReferenceBitForBit() {
        var r = Sequence(state: 7)
        var compared = 0
        for _ in 0..<20_000 {
            let a = r.word(r.next(13))
            let b = r.next(4) == 0 ? r.word(r.next(13)) : r.edit(a)
            #expect(JaroWinkler.similarity(a, b) == JaroWinkler.referenceSimilarity(a, b), "\(a) \(b)")
            compared += 1
        }
        // Longer than 64 bytes: the reference path itself.
        let long = r.word(80)
        let edited = r.edit(long)
        #expect(JaroWinkler.similarity(long, edited) == JaroWinkler.referenceSimilarity(long, edited))
        #expect(compared == 20_000)
    }

    @Test func similarityCapBoundsTokenSimilarity() {
        var r = Sequence(state: 11)
        var capped = 0
        for _ in 0..<20_000 {
            let a = NameToken(String(decoding: r.word(1 + r.next(12)), as: UTF8.self), weak: r.next(5) == 0, abjad: r.next(7) == 0)
            let bBytes = r.next(3) == 0 ? r.word(1 + r.next(12)) : r.edit(a.bytes)
            let b = NameToken(String(decoding: bBytes, as: UTF8.self), weak: r.next(5) == 0)
            let (signatures, bytes) = TokenSignature.flatten([a, b])
            let cap = bytes.withUnsafeBufferPointer { buffer in
                TokenSignature.similarityCap(UnsafeBufferPointer(rebasing: buffer[0..<a.bytes.count]), signatures[0],
                                             UnsafeBufferPointer(rebasing: buffer[a.bytes.count...]), signatures[1])
            }
            guard let cap else { continue }
            capped += 1
            #expect(cap >= NameScorer.tokenSimilarity(a, b).similarity, "\(a.text) \(b.text)")
            #expect(cap >= NameScorer.tokenSimilarity(b, a).similarity, "\(b.text) \(a.text)")
        }
        #expect(capped > 10_000)
    }

    @Test func evidenceEffectsWithoutNotesEqualTheExplainedOnes() {
        let listed: [[BirthDate]] = [[], [.exact(year: 1980, month: 5, day: 17)], [.year(1980)], [.years(from: 1978, to: 1982)],
                                     [.exact(year: 1979, month: 1, day: 1), .year(1990)], [.years(from: 1985, to: 1983)]]
        let subjects: [(year: Int, month: Int, day: Int)?] = [nil, (1980, 5, 17), (1980, 6, 1), (1979, 5, 17), (1981, 1, 1), (1975, 5, 17), (1990, 2, 2), (1985, 1, 1)]
        for s in subjects {
            for l in listed {
                #expect(MatchEvidence.dateOfBirthEffect(s, l[...]) == MatchEvidence.dateOfBirth(s, l).effect, "\(String(describing: s)) \(l)")
            }
        }
        for s in [nil, "", "RU", "GB"] as [String?] {
            for l in [[], ["RU"], ["IR", "RU"], ["SY"]] as [[String]] {
                #expect(MatchEvidence.countryEffect(upperSubject: s, upperListed: l) == MatchEvidence.country(s, l).effect)
            }
        }
    }

    /// Listed names crowded behind common given names, with weak tokens, joined and reordered
    /// aliases; subjects near and far from them, with and without evidence.
    static func crowdedList() -> (entries: [ListEntry], subjects: [ScreeningSubject]) {
        var r = Sequence(state: 13)
        let given = ["Mohammed", "Ahmed", "Ali", "Amir", "Hamid", "Abdul", "Ivan", "Olga", "Li", "Wei", "John", "Jon", "Sergei", "Said"]
        let particles = ["al", "bin", "Al", "de la"]
        func surname() -> String {
            let s = String(decoding: r.word(4 + r.next(5)), as: UTF8.self)
            return s.prefix(1).uppercased() + s.dropFirst()
        }
        var entries: [ListEntry] = []
        var names: [String] = []
        for i in 0..<250 {
            let entity = r.next(6) == 0
            var primary = entity ? "\(surname()) \(r.pick(["LLC", "Ltd", "Trading", "Holdings"]))"
                : r.next(3) == 0 ? "\(r.pick(given)) \(r.pick(given)) \(surname())" : "\(r.pick(given)) \(surname())"
            if !entity && r.next(8) == 0 { primary = "\(r.pick(given)) \(r.pick(particles)) \(surname())" }
            var aliases: [ListEntry.Alias] = []
            let words = primary.split(separator: " ").map(String.init)
            if r.next(3) == 0 { aliases.append(.init(name: words.reversed().joined(separator: " "), strong: true)) }
            if r.next(4) == 0 && words.count >= 2 { aliases.append(.init(name: words[0] + words[1].lowercased() + " " + words.dropFirst(2).joined(separator: " "), strong: false)) }
            if r.next(4) == 0 { aliases.append(.init(name: "\(r.pick(given)) \(surname())", strong: true)) }
            let dob: [BirthDate] = entity ? [] : [.exact(year: 1960 + r.next(6), month: 1 + r.next(12), day: 1 + r.next(28))]
            entries.append(ListEntry(versionID: UUID(), source: i % 2 == 0 ? "ofac" : "un", ref: String(i + 1), kind: entity ? "entity" : "individual",
                                     primaryName: primary, aliases: aliases, datesOfBirth: dob, countries: [r.pick(["IR", "RU", "SY"])],
                                     programs: [], checksum: String(i)))
            names.append(primary)
            names += aliases.map(\.name)
        }
        var subjects: [ScreeningSubject] = []
        for i in 0..<120 {
            var name: String
            switch i % 4 {
            case 0: name = r.pick(names)
            case 1: name = String(decoding: r.edit(Array(r.pick(names).utf8)), as: UTF8.self)
            case 2: name = r.pick(names).split(separator: " ").reversed().joined(separator: " ")
            default: name = "\(r.pick(given)) \(surname())"
            }
            if i % 10 == 3 { name = "Sheikh " + name }
            let dob: (year: Int, month: Int, day: Int)? = i % 3 == 0 ? nil : (1960 + r.next(6), 1 + r.next(12), 1 + r.next(28))
            subjects.append(ScreeningSubject(name: name, dateOfBirth: dob, country: i % 5 == 0 ? nil : r.pick(["IR", "RU", "GB"])))
        }
        return (entries, subjects)
    }

    static func describe(_ matches: [ScreeningMatch]) -> [String] {
        matches.map { "\($0.entry.ref):\($0.score):\($0.explanation.matchedName)" }
    }

    /// The bounds never change a result: the screener equals scoring every name the blocking
    /// yields, and equals brute force for listed names as listed or reordered (which the blocking
    /// always finds; heavy typos may share no key with the listed name, before and after this work).
    @Test func screenerEqualsScoringEveryCandidate() {
        let (entries, subjects) = Self.crowdedList()
        let index = NameMatchIndex(entries: entries)
        let screener = NameMatchScreener(index: index)
        var hits = 0, pruned = 0
        for threshold in [0.80, 0.88] {
            for (i, s) in subjects.enumerated() {
                let fast = Self.describe(screener.matches(for: s, threshold: threshold))
                #expect(fast == Self.describe(screener.unboundedMatches(for: s, threshold: threshold)), "\(s.name) at \(threshold)")
                #expect(fast == Self.describe(index.matches(for: s, threshold: threshold)), "\(s.name) at \(threshold)")
                if i % 4 == 0 || i % 4 == 2 {
                    #expect(fast == Self.describe(index.bruteForceMatches(for: s, threshold: threshold)), "\(s.name) at \(threshold)")
                }
                hits += fast.count
                pruned += fast.isEmpty ? 1 : 0
            }
        }
        // The sample must exercise both hits and misses.
        #expect(hits > 100)
        #expect(pruned > 20)
    }

    @Test func manySubjectsOnTwoWorkersEqualOneByOne() async {
        let (entries, subjects) = Self.crowdedList()
        let index = NameMatchIndex(entries: entries)
        let together = await index.matches(forMany: subjects, threshold: 0.88, workers: 2)
        #expect(together.count == subjects.count)
        for (s, m) in zip(subjects, together) {
            #expect(Self.describe(m) == Self.describe(index.matches(for: s, threshold: 0.88)), "\(s.name)")
        }
        #expect(await index.matches(forMany: [], threshold: 0.88).isEmpty)
    }
}
