/// Scores how alike two names are: a token-set Jaro-Winkler with a phonetic key, weak tokens
/// (honorifics, company suffixes, particles) counted lightly, joined and split words merged, and
/// token order ignored.
///
/// How a score is made (all numbers here; `docs/PERFORMANCE.md` has the measured effect):
/// 1. Each token pair gets a similarity and a `how`: `exact` 1.0; `initial` 0.85 (a single letter
///    against a word that starts with it, "j" ~ "john"); `phonetic` at least 0.93 when both tokens
///    have the same `PhoneticKey` of three or more codes and Jaro-Winkler ≥ 0.80, or when
///    one token comes from Arabic script (no short vowels written) and the keys are equal ("mhmd" ~
///    "muhammad"); otherwise `jaro_winkler`. Pairs below 0.75 are not paired.
/// 2. Joined and split words: two or three adjacent tokens of one name are merged when their
///    concatenation matches one token of the other name better than either part does (≥ 0.90):
///    "abdul rahman" ~ "abdulrahman" (`joined`).
/// 3. Tokens are paired greedily, best contribution first, each token used once (order-free).
///    A pair contributes its similarity cubed for `jaro_winkler` (so 0.97 → 0.91 but 0.85 →
///    0.61: near misses between different names fall fast), its similarity for `exact`,
///    `phonetic` and `weak`, 0.85 for `initial`.
/// 4. Strong tokens weigh 1.0, weak ones 0.2 when paired and nothing when unpaired (so "LLC"
///    against "Ltd" or a dropped "Dr" costs nothing); a name made only of weak tokens counts them
///    as strong. Coverage of each side = weighted contributions / that side's weight. The name
///    score = 0.75 × the larger coverage + 0.25 × the smaller, so a subject whose full name is
///    contained in a longer listed name (a middle name more or less) still scores high, but a
///    single shared surname does not.
public enum NameScorer {
    /// Similarity credited to an initial against a word with that first letter.
    public static let initialSimilarity = 0.85
    /// Lowest similarity credited to a phonetic match.
    public static let phoneticSimilarity = 0.93
    /// Jaro-Winkler needed besides an equal key for a phonetic match.
    public static let phoneticJaroWinklerFloor = 0.80
    /// Pairs below this similarity stay unpaired.
    public static let pairFloor = 0.75
    /// Weight of a weak token (strong tokens weigh 1).
    public static let weakWeight = 0.2
    /// Weight of the better-covered side in the name score.
    public static let largerCoverageWeight = 0.75

    /// The similarity of two tokens and how it was reached.
    public static func tokenSimilarity(_ a: NameToken, _ b: NameToken) -> (similarity: Double, how: String) {
        if a.bytes == b.bytes { return (1, a.weak && b.weak ? "weak" : "exact") }
        if a.bytes.count == 1 || b.bytes.count == 1 {
            if a.bytes.count != b.bytes.count && a.bytes.first == b.bytes.first { return (initialSimilarity, "initial") }
            return (0, "jaro_winkler")
        }
        let jw = JaroWinkler.similarity(a.bytes, b.bytes)
        if jw < phoneticSimilarity && !a.phonetic.isEmpty && a.phonetic == b.phonetic {
            // From a script without short vowels (Arabic) the key alone decides: "ly" ~ "ali".
            // Between Latin spellings the key must have three codes and Jaro-Winkler its floor,
            // or "jane" would meet "john".
            if a.abjad != b.abjad || (a.phonetic.count >= 3 && jw >= phoneticJaroWinklerFloor) {
                return (phoneticSimilarity, "phonetic")
            }
        }
        return (jw, a.weak && b.weak ? "weak" : "jaro_winkler")
    }

    /// What a pair with this similarity contributes (step 3).
    static func contribution(_ similarity: Double, how: String) -> Double {
        switch how {
        case "exact", "weak", "phonetic": return similarity
        case "initial": return initialSimilarity
        default: return similarity * similarity * similarity
        }
    }

    /// The name score of two names and the token pairs behind it.
    public static func score(_ a: String, _ b: String) -> (score: Double, pairs: [MatchExplanation.TokenPair]) {
        score(NameNormalizer.tokens(a), NameNormalizer.tokens(b))
    }

    /// The name score of two tokenised names and the token pairs behind it.
    public static func score(_ a: [NameToken], _ b: [NameToken]) -> (score: Double, pairs: [MatchExplanation.TokenPair]) {
        if a.isEmpty || b.isEmpty { return (0, []) }
        var left = a.map { Unit(tokens: [$0]) }
        var right = b.map { Unit(tokens: [$0]) }
        mergeJoined(&left, against: right)
        mergeJoined(&right, against: left)

        // Step 3: greedy pairing, best contribution first.
        var candidates: [(i: Int, j: Int, sim: Double, how: String, c: Double)] = []
        candidates.reserveCapacity(left.count * right.count)
        for (i, u) in left.enumerated() {
            for (j, v) in right.enumerated() {
                let (sim, how0) = tokenSimilarity(u.token, v.token)
                if sim < pairFloor { continue }
                let how = (u.joined || v.joined) && how0 != "weak" ? "joined" : how0
                candidates.append((i, j, sim, how, contribution(sim, how: how0)))
            }
        }
        candidates.sort { $0.c != $1.c ? $0.c > $1.c : ($0.i, $0.j) < ($1.i, $1.j) }
        var usedL = [Bool](repeating: false, count: left.count)
        var usedR = [Bool](repeating: false, count: right.count)
        var pairs: [MatchExplanation.TokenPair] = []
        var coveredL = 0.0, coveredR = 0.0
        let wL = weights(left), wR = weights(right)
        for c in candidates where !usedL[c.i] && !usedR[c.j] {
            usedL[c.i] = true
            usedR[c.j] = true
            coveredL += c.c * wL.each[c.i]
            coveredR += c.c * wR.each[c.j]
            pairs.append(.init(subject: left[c.i].display, listed: right[c.j].display, similarity: rounded(c.sim), how: c.how))
        }
        for (i, u) in left.enumerated() where !usedL[i] {
            pairs.append(.init(subject: u.display, listed: "", similarity: 0, how: u.token.weak ? "weak" : "unmatched"))
        }
        for (j, v) in right.enumerated() where !usedR[j] {
            pairs.append(.init(subject: "", listed: v.display, similarity: 0, how: v.token.weak ? "weak" : "unmatched"))
        }
        // Unpaired weak tokens weigh nothing (step 4).
        let totalL = wL.total - zip(left.indices, wL.each).filter { !usedL[$0.0] && left[$0.0].token.weak && $0.1 < 1 }.reduce(0) { $0 + $1.1 }
        let totalR = wR.total - zip(right.indices, wR.each).filter { !usedR[$0.0] && right[$0.0].token.weak && $0.1 < 1 }.reduce(0) { $0 + $1.1 }
        let cL = totalL > 0 ? coveredL / totalL : 0, cR = totalR > 0 ? coveredR / totalR : 0
        let s = largerCoverageWeight * max(cL, cR) + (1 - largerCoverageWeight) * min(cL, cR)
        return (min(1, max(0, s)), pairs)
    }

    /// Rounds a similarity for display and storage (four decimals).
    static func rounded(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }

    /// One side's token or merged tokens.
    struct Unit {
        let tokens: [NameToken]
        /// The tokens as one (their concatenation when merged).
        let token: NameToken
        init(tokens: [NameToken]) {
            self.tokens = tokens
            self.token = tokens.count == 1 ? tokens[0] : NameToken(tokens.map(\.text).joined(), weak: false)
        }
        var joined: Bool { tokens.count > 1 }
        var display: String { tokens.map(\.text).joined(separator: " ") }
    }

    private static func weights(_ units: [Unit]) -> (each: [Double], total: Double) {
        let anyStrong = units.contains { !$0.token.weak }
        let each = units.map { anyStrong && $0.token.weak ? weakWeight : 1.0 }
        return (each, each.reduce(0, +))
    }

    /// Step 2: merges runs of two or three adjacent units of `units` whose concatenation matches
    /// a single-token unit of `other` better than each part does.
    private static func mergeJoined(_ units: inout [Unit], against other: [Unit]) {
        guard units.count >= 2 else { return }
        let targets = other.filter { !$0.joined && !$0.token.weak && $0.token.bytes.count >= 5 }
        guard !targets.isEmpty else { return }
        var i = 0
        while i < units.count - 1 {
            // The best run (two or three units) starting here, by its similarity to one target.
            var best: (len: Int, sim: Double)?
            for len in [2, 3] where i + len <= units.count {
                let run = Array(units[i..<(i + len)])
                // A run needs a strong token; particles may lead or sit inside ("de la cruz", "abd al rahman").
                guard run.contains(where: { !$0.token.weak }) else { continue }
                let jt = Unit(tokens: run.flatMap(\.tokens)).token
                for t in targets {
                    let ratio = Double(jt.bytes.count) / Double(t.token.bytes.count)
                    guard ratio > 0.75 && ratio < 1.34 else { continue }
                    let whole = tokenSimilarity(jt, t.token).similarity
                    let parts = run.map { tokenSimilarity($0.token, t.token).similarity }.max() ?? 0
                    if whole >= 0.90 && whole > parts && whole > (best?.sim ?? 0) { best = (len, whole) }
                }
            }
            if let b = best {
                units.replaceSubrange(i..<(i + b.len), with: [Unit(tokens: units[i..<(i + b.len)].flatMap(\.tokens))])
            }
            i += 1
        }
    }
}
