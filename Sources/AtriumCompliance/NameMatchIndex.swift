import Foundation

/// Screens a subject against list entries in memory: names and aliases normalised and tokenised
/// once, every distinct token stored once (`vocabulary`), blocked by phonetic key and three-letter
/// prefix so a subject meets only names that share a key with it; then bounded (see
/// `NameMatchScreener`: the entry's own date-of-birth and country effect, and an upper bound of the
/// name score from token similarities) so only names that can reach the threshold are scored and
/// explained by `NameScorer` and `MatchEvidence`. Immutable and `Sendable`: one index serves every
/// worker; each worker screens through its own `NameMatchScreener` (or `matches(forMany:)`).
public struct NameMatchIndex: ScreeningIndex {
    /// One listed name (primary or alias) of one entry.
    struct Record: Sendable {
        let entry: Int
        let name: String
        let alias: Bool
        let tokens: [NameToken]
        /// Total weight of its tokens, for the upper bound.
        let strongCount: Int
        /// `vocabulary` ids of its tokens, in order.
        let tokenIDs: [Int32]
        /// `vocabulary` ids of its runs of two or three adjacent tokens holding a strong one, each
        /// joined as `NameScorer` joins them: the only units it may merge on this side.
        let runIDs: [Int32]
    }

    public let versions: [String: UUID]
    let entries: [ListEntry]
    /// Upper-cased countries per entry, for the country effect without building strings.
    let entryCountries: [[String]]
    let records: [Record]
    /// Per record: its strong token count (at least 1) and its entry, flat for the screener's hot loop.
    let strongCounts: [Int32]
    let recordEntries: [Int32]
    /// Per record, where its token ids and run ids start in `recordUnits` (tokens, then runs, then the next record).
    let recordTokenStarts: [Int32]
    let recordRunStarts: [Int32]
    let recordUnits: [Int32]
    /// Per entry, where its dates of birth start in `entryDates`, and its countries as `countryIDs` bits.
    let entryDateStarts: [Int32]
    let entryDates: [BirthDate]
    let entryCountryBits: [UInt64]
    /// Upper-case country code → bit (the first 64 distinct codes; others fall back to comparing strings).
    let countryIDs: [String: Int]
    /// Every listed country has a bit: a code without one is listed for no entry.
    let countryIDsComplete: Bool
    /// Every distinct token and joined run of the listed names, once.
    let vocabulary: [NameToken]
    /// Per vocabulary token, its `TokenSignature` (flat: the screener's bound reads no arrays of arrays).
    let signatures: [TokenSignature]
    /// The vocabulary's bytes end to end (`TokenSignature.start`, `length`).
    let vocabularyBytes: [UInt8]
    /// Per vocabulary token, its slot among the `hotSlotCount` tokens most listed names hold
    /// (common given names, legal forms), or −1: the screener keeps their similarities in a table.
    let hotSlots: [Int16]
    /// Slots for the most frequent tokens.
    static let hotSlotCount = 256
    /// Blocking key → record indexes (ascending, no duplicates).
    let blocks: [BlockKey: [Int32]]

    /// Builds the index from the current entries (primary names and aliases).
    public init(entries: [ListEntry], versions: [String: UUID]? = nil) {
        self.entries = entries
        self.entryCountries = entries.map { $0.countries.map { $0.uppercased() } }
        var vs: [String: UUID] = [:]
        for e in entries { vs[e.source] = e.versionID }
        self.versions = versions ?? vs
        var records: [Record] = []
        var blocks: [BlockKey: [Int32]] = [:]
        var vocabulary: [NameToken] = []
        var vocabularyIDs: [NameToken: Int32] = [:]
        func intern(_ t: NameToken) -> Int32 {
            if let id = vocabularyIDs[t] { return id }
            let id = Int32(vocabulary.count)
            vocabulary.append(t)
            vocabularyIDs[t] = id
            return id
        }
        for (i, e) in entries.enumerated() {
            var seen = Set<[NameToken]>()
            let names = [(e.primaryName, false)] + e.aliases.map { ($0.name, true) }
            for (name, alias) in names {
                let tokens = NameNormalizer.tokens(name)
                guard !tokens.isEmpty, seen.insert(tokens).inserted else { continue }
                let id = Int32(records.count)
                records.append(Record(entry: i, name: name, alias: alias, tokens: tokens, strongCount: Self.blockingTokens(tokens).count,
                                      tokenIDs: tokens.map(intern), runIDs: Self.joinedRuns(tokens).map(intern)))
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
        self.strongCounts = records.map { Int32(max(1, $0.strongCount)) }
        self.recordEntries = records.map { Int32($0.entry) }
        var units: [Int32] = [], tokenStarts: [Int32] = [], runStarts: [Int32] = []
        for r in records {
            tokenStarts.append(Int32(units.count))
            units += r.tokenIDs
            runStarts.append(Int32(units.count))
            units += r.runIDs
        }
        tokenStarts.append(Int32(units.count))
        (self.recordUnits, self.recordTokenStarts, self.recordRunStarts) = (units, tokenStarts, runStarts)
        var dates: [BirthDate] = [], dateStarts: [Int32] = []
        for e in entries {
            dateStarts.append(Int32(dates.count))
            dates += e.datesOfBirth
        }
        dateStarts.append(Int32(dates.count))
        (self.entryDates, self.entryDateStarts) = (dates, dateStarts)
        var countryIDs: [String: Int] = [:]
        for code in entryCountries.joined() where countryIDs[code] == nil && countryIDs.count < 64 { countryIDs[code] = countryIDs.count }
        self.countryIDs = countryIDs
        self.countryIDsComplete = Set(entryCountries.joined()).count == countryIDs.count
        self.entryCountryBits = entryCountries.map { $0.reduce(UInt64(0)) { $0 | (countryIDs[$1].map { 1 << UInt64($0) } ?? 0) } }
        self.vocabulary = vocabulary
        (self.signatures, self.vocabularyBytes) = TokenSignature.flatten(vocabulary)
        var frequency = [Int](repeating: 0, count: vocabulary.count)
        for r in records { for v in r.tokenIDs { frequency[Int(v)] += 1 } }
        var hotSlots = [Int16](repeating: -1, count: vocabulary.count)
        let hottest = vocabulary.indices.filter { frequency[$0] > 1 }.sorted { (frequency[$0], $1) > (frequency[$1], $0) }.prefix(Self.hotSlotCount)
        for (slot, v) in hottest.enumerated() { hotSlots[v] = Int16(slot) }
        self.hotSlots = hotSlots
        self.blocks = blocks
    }

    /// Number of listed names (primaries and aliases) indexed.
    public var nameCount: Int { records.count }

    /// Entries scoring at or above `threshold`, best first (one match per entry: its best name).
    public func matches(for subject: ScreeningSubject, threshold: Double) -> [ScreeningMatch] {
        NameMatchScreener(index: self).matches(for: subject, threshold: threshold)
    }

    /// Screens many subjects on `workers` concurrent tasks (one `NameMatchScreener` each), for a
    /// rescreen: the results in the order of `subjects`.
    public func matches(forMany subjects: [ScreeningSubject], threshold: Double, workers: Int = 2) async -> [[ScreeningMatch]] {
        let n = max(1, min(workers, subjects.count))
        return await withTaskGroup(of: (Int, [[ScreeningMatch]]).self) { group in
            for w in 0..<n {
                group.addTask {
                    let screener = NameMatchScreener(index: self)
                    // Strided, so slow subjects (common names) spread over the workers.
                    return (w, stride(from: w, to: subjects.count, by: n).map { screener.matches(for: subjects[$0], threshold: threshold) })
                }
            }
            var parts = [[[ScreeningMatch]]](repeating: [], count: n)
            for await (w, part) in group { parts[w] = part }
            return subjects.indices.map { parts[$0 % n][$0 / n] }
        }
    }

    /// The same as `matches` but scoring every listed name: the reference the blocking is tested against.
    public func bruteForceMatches(for subject: ScreeningSubject, threshold: Double) -> [ScreeningMatch] {
        let tokens = NameNormalizer.tokens(subject.name)
        guard !tokens.isEmpty else { return [] }
        var best = BestPerEntry()
        for id in records.indices { best.consider(id, subject: subject, tokens: tokens, index: self, threshold: threshold) }
        return best.ranked(self)
    }

    /// The best match per entry, names considered in ascending record order (ties keep the first),
    /// shared by the screener and brute force so both rank alike.
    struct BestPerEntry {
        var byEntry: [Int: ScreeningMatch] = [:]

        mutating func consider(_ id: Int, subject: ScreeningSubject, tokens: [NameToken], index: NameMatchIndex, threshold: Double) {
            let r = index.records[id]
            let (nameScore, pairs) = NameScorer.score(tokens, r.tokens)
            // Evidence adds at most +0.07: names that cannot reach the threshold stop here.
            if nameScore + MatchEvidence.exactDate + MatchEvidence.sameCountry < threshold { return }
            let m = NameMatchIndex.match(subject: subject, entry: index.entries[r.entry], matchedName: r.name, alias: r.alias, nameScore: nameScore, pairs: pairs)
            guard m.score >= threshold else { return }
            if let prior = byEntry[r.entry], prior.score >= m.score { return }
            byEntry[r.entry] = m
        }

        func ranked(_ index: NameMatchIndex) -> [ScreeningMatch] {
            byEntry.sorted { a, b in
                a.value.score != b.value.score ? a.value.score > b.value.score
                    : a.value.entry.ref != b.value.entry.ref ? a.value.entry.ref < b.value.entry.ref : a.key < b.key
            }.map(\.value)
        }
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

    /// Runs of two or three adjacent tokens holding a strong one, each as the single token
    /// `NameScorer` makes when it merges them (`NameScorer.Unit`).
    static func joinedRuns(_ tokens: [NameToken]) -> [NameToken] {
        joinedRunRanges(tokens).map { NameScorer.Unit(tokens: Array(tokens[$0])).token }
    }

    /// Where `joinedRuns` come from, in the same order.
    static func joinedRunRanges(_ tokens: [NameToken]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for i in tokens.indices {
            for len in [2, 3] where i + len <= tokens.count && tokens[i..<(i + len)].contains(where: { !$0.weak }) {
                out.append(i..<(i + len))
            }
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

/// What bounds a token's similarity cheaply: where its bytes are, which letters and digits it
/// holds, and a hash of its phonetic key.
struct TokenSignature: Sendable {
    /// Where its bytes start in the flat byte array.
    let start: Int32
    let length: Int32
    /// Bit c − 97 for each letter c, bit 26 + d for each digit d (`bit`).
    let characters: UInt64
    let phoneticHash: UInt64
    let weak: Bool

    /// Signatures of `tokens` and their bytes end to end.
    static func flatten(_ tokens: [NameToken]) -> ([TokenSignature], [UInt8]) {
        var bytes: [UInt8] = []
        let signatures = tokens.map { t in
            defer { bytes.append(contentsOf: t.bytes) }
            return TokenSignature(t, start: bytes.count)
        }
        return (signatures, bytes)
    }

    init(_ t: NameToken, start: Int) {
        self.start = Int32(start)
        length = Int32(t.bytes.count)
        characters = t.bytes.reduce(0) { $0 | Self.bit($1) }
        // FNV-1a: equal keys hash alike, so different hashes prove different keys.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in t.phonetic { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        phoneticHash = t.phonetic.isEmpty ? 0 : h
        weak = t.weak
    }

    /// An upper bound of `NameScorer.tokenSimilarity(a, b).similarity` when `a` and `b` differ and
    /// both have two or more bytes, or nil when this cheap bound cannot decide (equal phonetic keys).
    ///
    /// Only characters present on both sides can be Jaro matches, so m ≤ min(ma, mb) (ma: bytes of
    /// `a` whose character `b` holds); transpositions only lower Jaro, so
    /// Jaro ≤ (m/|a| + m/|b| + 1)/3, and Winkler's prefix term grows with Jaro for a fixed prefix.
    static func similarityCap(_ a: UnsafeBufferPointer<UInt8>, _ sa: TokenSignature, _ b: UnsafeBufferPointer<UInt8>, _ sb: TokenSignature) -> Double? {
        if a.count < 2 || b.count < 2 { return nil }
        if sa.phoneticHash != 0 && sa.phoneticHash == sb.phoneticHash { return nil }
        var ma = 0, mb = 0
        for c in a where sb.characters & Self.bit(c) != 0 { ma += 1 }
        for c in b where sa.characters & Self.bit(c) != 0 { mb += 1 }
        let m = Double(min(ma, mb))
        if m == 0 { return 0 }
        let jaro = (m / Double(a.count) + m / Double(b.count) + 1) / 3
        var prefix = 0
        let limit = min(4, min(a.count, b.count))
        while prefix < limit && a[prefix] == b[prefix] { prefix += 1 }
        return jaro + Double(prefix) * 0.1 * (1 - jaro)
    }

    /// Letters take bits 0–25, digits 26–35. Tokens hold nothing else; any other byte lands on
    /// some bit too, which can only raise the cap (two bytes sharing a bit look alike), never lower it.
    @inline(__always) static func bit(_ c: UInt8) -> UInt64 {
        1 << (UInt64(c >= 97 ? c &- 97 : c &- 22) & 63)
    }
}
