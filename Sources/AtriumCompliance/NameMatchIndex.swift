import Foundation

/// Screens a subject against list entries in memory: names and aliases normalised once, blocked
/// by phonetic key and three-letter prefix so a subject is scored only against names that share
/// a key with it, then scored and explained by `NameScorer` and `MatchEvidence`.
public struct NameMatchIndex: ScreeningIndex {
    /// One listed name (primary or alias) of one entry.
    struct Record: Sendable {
        let entry: Int
        let name: String
        let alias: Bool
        let tokens: [NameToken]
        /// Total weight of its tokens, for the upper bound.
        let strongCount: Int
    }

    public let versions: [String: UUID]
    let entries: [ListEntry]
    let records: [Record]
    /// Blocking key → record indexes (ascending, no duplicates).
    let blocks: [BlockKey: [Int32]]

    /// Builds the index from the current entries (primary names and aliases).
    public init(entries: [ListEntry], versions: [String: UUID]? = nil) {
        self.entries = entries
        var vs: [String: UUID] = [:]
        for e in entries { vs[e.source] = e.versionID }
        self.versions = versions ?? vs
        var records: [Record] = []
        var blocks: [BlockKey: [Int32]] = [:]
        for (i, e) in entries.enumerated() {
            var seen = Set<[NameToken]>()
            let names = [(e.primaryName, false)] + e.aliases.map { ($0.name, true) }
            for (name, alias) in names {
                let tokens = NameNormalizer.tokens(name)
                guard !tokens.isEmpty, seen.insert(tokens).inserted else { continue }
                let id = Int32(records.count)
                records.append(Record(entry: i, name: name, alias: alias, tokens: tokens, strongCount: Self.blockingTokens(tokens).count))
                for k in Self.keys(tokens) {
                    blocks[k, default: []].append(id)
                }
            }
        }
        for (k, v) in blocks where v.count > 1 {
            var seen = Set<Int32>()
            blocks[k] = v.filter { seen.insert($0).inserted }
        }
        self.records = records
        self.blocks = blocks
    }

    /// Number of listed names (primaries and aliases) indexed.
    public var nameCount: Int { records.count }

    /// Entries scoring at or above `threshold`, best first (one match per entry: its best name).
    public func matches(for subject: ScreeningSubject, threshold: Double) -> [ScreeningMatch] {
        let tokens = NameNormalizer.tokens(subject.name)
        guard !tokens.isEmpty else { return [] }
        // Which of the subject's tokens each candidate shares a key with (bit i = token i).
        var hitsBy: [Int32: UInt64] = [:]
        for (k, mask) in Self.keyMasks(tokens) {
            guard let ids = blocks[k] else { continue }
            for id in ids { hitsBy[id, default: 0] |= mask }
        }
        // Upper bound of the name score from the number of tokens that can pair at all: a record
        // sharing a key with one token of "Mohammed Karimov" cannot reach the threshold, which
        // prunes the crowds behind common given names. Evidence adds at most +0.07; 0.02 slack
        // covers paired weak tokens.
        let k = Double(max(1, Self.blockingTokens(tokens).count))
        let w = NameScorer.largerCoverageWeight
        var ids: [Int] = []
        for (id, mask) in hitsBy {
            let m = Double(mask.nonzeroBitCount)
            let n = Double(max(1, records[Int(id)].strongCount))
            let a = min(1, m / k), b = min(1, min(m, n) / n)
            if w * max(a, b) + (1 - w) * min(a, b) + MatchEvidence.exactDate + MatchEvidence.sameCountry + 0.02 >= threshold { ids.append(Int(id)) }
        }
        return best(subject, tokens: tokens, among: ids, threshold: threshold)
    }

    /// The same as `matches` but scoring every listed name: the reference the blocking is tested against.
    public func bruteForceMatches(for subject: ScreeningSubject, threshold: Double) -> [ScreeningMatch] {
        let tokens = NameNormalizer.tokens(subject.name)
        guard !tokens.isEmpty else { return [] }
        return best(subject, tokens: tokens, among: Array(records.indices), threshold: threshold)
    }

    private func best(_ subject: ScreeningSubject, tokens: [NameToken], among ids: [Int], threshold: Double) -> [ScreeningMatch] {
        var byEntry: [Int: ScreeningMatch] = [:]
        for id in ids {
            let r = records[id]
            let e = entries[r.entry]
            let (nameScore, pairs) = NameScorer.score(tokens, r.tokens)
            // Evidence adds at most +0.07: names that cannot reach the threshold stop here.
            if nameScore + MatchEvidence.exactDate + MatchEvidence.sameCountry < threshold { continue }
            let m = Self.match(subject: subject, entry: e, matchedName: r.name, alias: r.alias, nameScore: nameScore, pairs: pairs)
            guard m.score >= threshold else { continue }
            if let prior = byEntry[r.entry], prior.score >= m.score { continue }
            byEntry[r.entry] = m
        }
        return byEntry.values.sorted { $0.score != $1.score ? $0.score > $1.score : $0.entry.ref < $1.entry.ref }
    }

    /// Scores one subject against one entry's names and explains the best: for the CLI and tests.
    public static func explain(subject: ScreeningSubject, entry: ListEntry) -> ScreeningMatch {
        let tokens = NameNormalizer.tokens(subject.name)
        var best: ScreeningMatch?
        for (name, alias) in [(entry.primaryName, false)] + entry.aliases.map({ ($0.name, true) }) {
            let (nameScore, pairs) = NameScorer.score(tokens, NameNormalizer.tokens(name))
            let m = match(subject: subject, entry: entry, matchedName: name, alias: alias, nameScore: nameScore, pairs: pairs)
            if let b = best, b.score >= m.score { continue }
            best = m
        }
        return best ?? match(subject: subject, entry: entry, matchedName: entry.primaryName, alias: false, nameScore: 0, pairs: [])
    }

    static func match(subject: ScreeningSubject, entry: ListEntry, matchedName: String, alias: Bool, nameScore: Double,
                      pairs: [MatchExplanation.TokenPair]) -> ScreeningMatch {
        let dob = MatchEvidence.dateOfBirth(subject.dateOfBirth, entry.datesOfBirth)
        let country = MatchEvidence.country(subject.country, entry.countries)
        let score = min(1, max(0, nameScore + dob.effect + country.effect))
        let explanation = MatchExplanation(matchedName: matchedName, matchedAlias: alias, pairs: pairs, nameScore: NameScorer.rounded(nameScore),
                                           dateOfBirthEffect: dob.effect, dateOfBirthNote: dob.note,
                                           countryEffect: country.effect, countryNote: country.note)
        return ScreeningMatch(entry: entry, score: NameScorer.rounded(score), explanation: explanation)
    }

    /// A blocking key: a phonetic key (`p`) or a three-letter prefix (`x`) of a strong token or of
    /// two adjacent tokens joined (so "abdul rahman" meets "abdulrahman").
    struct BlockKey: Hashable, Sendable {
        let kind: UInt8
        let bytes: [UInt8]
    }

    /// The tokens that produce blocking keys: the strong ones, or all when none is strong.
    static func blockingTokens(_ tokens: [NameToken]) -> [NameToken] {
        let strong = tokens.filter { !$0.weak }
        return Array((strong.isEmpty ? tokens : strong).prefix(64))
    }

    /// The subject's keys, each with the bits of the tokens it stands for.
    static func keyMasks(_ tokens: [NameToken]) -> [BlockKey: UInt64] {
        let use = blockingTokens(tokens)
        var out: [BlockKey: UInt64] = [:]
        for (i, t) in use.enumerated() {
            for key in keys([t]) { out[key, default: 0] |= 1 << UInt64(i) }
        }
        for i in 0..<max(0, use.count - 1) {
            out[BlockKey(kind: 0x70, bytes: PhoneticKey.code(use[i].bytes + use[i + 1].bytes)), default: 0] |= 3 << UInt64(i)
        }
        return out
    }

    static func keys(_ tokens: [NameToken]) -> Set<BlockKey> {
        var keys = Set<BlockKey>()
        let strong = tokens.filter { !$0.weak }
        let use = strong.isEmpty ? tokens : strong
        for t in use {
            if t.phonetic.count >= 2 || (t.phonetic.count == 1 && t.bytes.count <= 3) { keys.insert(BlockKey(kind: 0x70, bytes: t.phonetic)) }
            keys.insert(BlockKey(kind: 0x78, bytes: Array(t.bytes.prefix(3))))
        }
        // Joined neighbours (a particle in between may be dropped: "abd al rahman" ~ "abdulrahman").
        for i in 0..<max(0, use.count - 1) {
            keys.insert(BlockKey(kind: 0x70, bytes: PhoneticKey.code(use[i].bytes + use[i + 1].bytes)))
        }
        return keys
    }
}
