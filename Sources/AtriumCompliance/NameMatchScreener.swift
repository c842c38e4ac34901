/// Screens subjects against one `NameMatchIndex`, one after another, reusing its scratch memory
/// (candidate masks, memoised token similarities). Not thread-safe: one per worker; the index it
/// reads is immutable and shared.
///
/// Per subject: the blocking keys give the candidate names (a flat mask per name, no dictionary);
/// three bounds, each an upper bound of what the name could score, drop the names that cannot
/// reach the threshold before `NameScorer` runs (the results equal scoring every candidate):
/// 1. how many of the subject's tokens share a key with the name (the blocking bound), plus
/// 2. the entry's own date-of-birth and country effect instead of the best possible +0.07
///    (most listed people were born in another year than the client: −0.10), and
/// 3. the name score each side could reach if every token got its best similarity against the
///    other side, with token similarities memoised per subject (common given names are shared by
///    thousands of listed names). When a joined/split merge is possible the bound does not hold
///    and the name is scored.
public final class NameMatchScreener {
    /// The index screened against.
    public let index: NameMatchIndex
    /// Per listed name: which subject tokens share a key with it (bit i = token i); zero after each call.
    private var mask: [UInt64]
    private var touched: [Int32] = []
    /// Token similarities memoised for one subject (kept here between subjects for their capacity).
    private var memo = Memo()
    /// Contributions of the subject's first `hotProbes` tokens against the index's hot tokens
    /// (probe × `hotSlotCount` + slot), −1 until computed.
    private var hot = [Double](repeating: -1, count: NameMatchScreener.hotProbes * NameMatchIndex.hotSlotCount)
    static let hotProbes = 8

    /// Token similarities of one subject against listed tokens.
    struct Memo {
        /// (probe << 32 | vocabulary id) → `tokenSimilarity(probe, listed)`: similarity and contribution.
        var forward: [Int64: (similarity: Double, contribution: Double)] = [:]
        /// (subject token << 32 | vocabulary id) → `tokenSimilarity(listed, subject token)`.
        var reverse: [Int64: Double] = [:]
    }

    /// Rounding of stored scores (four decimals) and floating-point order: bounds compare with this slack.
    static let slack = 1e-4
    /// Joined/split merges need this similarity (`NameScorer.mergeJoined`).
    static let mergeFloor = 0.90

    /// A screener over `index` with its own scratch memory.
    public init(index: NameMatchIndex) {
        self.index = index
        self.mask = [UInt64](repeating: 0, count: index.records.count)
    }

    /// Entries scoring at or above `threshold`, best first (one match per entry: its best name).
    public func matches(for subject: ScreeningSubject, threshold: Double) -> [ScreeningMatch] {
        screen(subject, threshold: threshold, bounded: true)
    }

    /// Every name the blocking yields past bound 1 scored in full, without bounds 2 and 3: the
    /// reference the bounds are tested against (they must never change a result).
    func unboundedMatches(for subject: ScreeningSubject, threshold: Double) -> [ScreeningMatch] {
        screen(subject, threshold: threshold, bounded: false)
    }

    private func screen(_ subject: ScreeningSubject, threshold: Double, bounded: Bool) -> [ScreeningMatch] {
        let tokens = NameNormalizer.tokens(subject.name)
        guard !tokens.isEmpty else { return [] }
        let index = self.index
        // The scratch arrays move into locals for the hot loops (no exclusivity checks, no retains).
        var mask: [UInt64] = [], touched: [Int32] = []
        swap(&mask, &self.mask)
        swap(&touched, &self.touched)
        defer {
            swap(&mask, &self.mask)
            swap(&touched, &self.touched)
        }
        touched.removeAll(keepingCapacity: true)
        mask.withUnsafeMutableBufferPointer { mask in
            for (key, bits) in NameMatchIndex.keyMasks(tokens) {
                guard let ids = index.blocks[key] else { continue }
                for id in ids {
                    if mask[Int(id)] == 0 { touched.append(id) }
                    mask[Int(id)] |= bits
                }
            }
        }
        var memo = Memo()
        swap(&memo, &self.memo)
        defer { swap(&memo, &self.memo) }
        memo.forward.removeAll(keepingCapacity: true)
        memo.reverse.removeAll(keepingCapacity: true)
        let probe = Probe(tokens)
        var hot: [Double] = []
        swap(&hot, &self.hot)
        defer { swap(&hot, &self.hot) }
        for i in 0..<min(tokens.count, Self.hotProbes) * NameMatchIndex.hotSlotCount { hot[i] = -1 }
        let country = subject.country?.uppercased()
        // The subject's country as a bit of `countryIDs` (0: listed for no entry); nil (compare
        // strings) when the index could not number every country.
        let countryBit = country.flatMap { c in !c.isEmpty && index.countryIDsComplete ? index.countryIDs[c].map { UInt64(1) << UInt64($0) } ?? 0 : nil }
        let k = Double(max(1, NameMatchIndex.blockingTokens(tokens).count))
        let w = NameScorer.largerCoverageWeight
        let keyFloor = threshold - MatchEvidence.exactDate - MatchEvidence.sameCountry - Self.slack
        var survivors: [Int32] = []
        mask.withUnsafeMutableBufferPointer { mask in
            index.strongCounts.withUnsafeBufferPointer { strongCounts in
            index.vocabularyBytes.withUnsafeBufferPointer { vocabularyBytes in
            index.signatures.withUnsafeBufferPointer { signatures in
            index.recordUnits.withUnsafeBufferPointer { units in
            probe.bytes.withUnsafeBufferPointer { probeBytes in
            probe.signatures.withUnsafeBufferPointer { probeSignatures in
            probe.weights.withUnsafeBufferPointer { probeWeights in
            index.hotSlots.withUnsafeBufferPointer { hotSlots in
            hot.withUnsafeMutableBufferPointer { hot in
                let views = Views(bytes: vocabularyBytes, signatures: signatures, units: units, probeBytes: probeBytes,
                                  probeSignatures: probeSignatures, probeWeights: probeWeights, hotSlots: hotSlots, hot: hot)
                for id in touched {
                    let bits = mask[Int(id)]
                    mask[Int(id)] = 0
                    // Bound 1: tokens that share no key cannot pair (the blocking assumption); 0.02 covers paired weak tokens.
                    let m = Double(bits.nonzeroBitCount)
                    let n = Double(strongCounts[Int(id)])
                    let a = min(1, m / k), b = min(1, min(m, n) / n)
                    let keyBound = w * max(a, b) + (1 - w) * min(a, b) + 0.02
                    if keyBound < keyFloor { continue }
                    guard bounded else {
                        survivors.append(id)
                        continue
                    }
                    // Bound 2: this entry's evidence instead of the best possible.
                    let entry = Int(index.recordEntries[Int(id)])
                    let dates = index.entryDates[Int(index.entryDateStarts[entry])..<Int(index.entryDateStarts[entry + 1])]
                    let countries = index.entryCountryBits[entry]
                    let countryEffect: Double
                    if let bit = countryBit {
                        countryEffect = countries == 0 ? 0 : countries & bit != 0 ? MatchEvidence.sameCountry : MatchEvidence.otherCountry
                    } else {
                        countryEffect = MatchEvidence.countryEffect(upperSubject: country, upperListed: index.entryCountries[entry])
                    }
                    let evidence = MatchEvidence.dateOfBirthEffect(subject.dateOfBirth, dates) + countryEffect
                    let need = threshold - evidence - Self.slack
                    // Bound 3: token similarities. (Bound 1 is no true bound, so it keeps the best
                    // possible evidence: "Samir" pairs with the weak "Amir" without sharing a key.)
                    if mayReach(need, record: Int(id), tokens: tokens, probe: probe, views: views, memo: &memo) { survivors.append(id) }
                }
            }
            }
            }
            }
            }
            }
            }
            }
            }
        }
        // Ascending, as brute force considers them: ties between an entry's names resolve alike.
        survivors.sort()
        var best = NameMatchIndex.BestPerEntry()
        for id in survivors { best.consider(Int(id), subject: subject, tokens: tokens, index: index, threshold: threshold) }
        return best.ranked(index)
    }

    /// The subject's side, prepared once per subject.
    struct Probe {
        /// Tokens (probes 0..<count) then joined runs (probes count...).
        let all: [NameToken]
        let tokenCount: Int
        /// Strong tokens of five or more bytes: what listed runs may merge against.
        let targets: [Int]
        /// Per joined run (probe tokenCount + r), the probes of its tokens.
        let runParts: [Range<Int>]
        /// Weight of each token in the coverage (`NameScorer.weights`).
        let weights: [Double]
        /// Signatures of `all`, over `bytes`.
        let signatures: [TokenSignature]
        let bytes: [UInt8]

        init(_ tokens: [NameToken]) {
            let runs = NameMatchIndex.joinedRuns(tokens)
            all = tokens + runs
            runParts = NameMatchIndex.joinedRunRanges(tokens)
            (signatures, bytes) = TokenSignature.flatten(all)
            tokenCount = tokens.count
            targets = tokens.indices.filter { !tokens[$0].weak && tokens[$0].bytes.count >= 5 }
            weights = NameMatchScreener.weights(tokens.map(\.weak))
        }
    }

    /// `NameScorer`'s unit weights: weak tokens weigh `weakWeight` when any token is strong, else all weigh 1.
    static func weights(_ weak: [Bool]) -> [Double] {
        let anyStrong = weak.contains(false)
        return weak.map { anyStrong && $0 ? NameScorer.weakWeight : 1.0 }
    }

    /// The flat vocabulary and the subject's probes, borrowed for one subject's bound checks.
    struct Views {
        let bytes: UnsafeBufferPointer<UInt8>
        let signatures: UnsafeBufferPointer<TokenSignature>
        /// `NameMatchIndex.recordUnits`.
        let units: UnsafeBufferPointer<Int32>
        let probeBytes: UnsafeBufferPointer<UInt8>
        let probeSignatures: UnsafeBufferPointer<TokenSignature>
        let probeWeights: UnsafeBufferPointer<Double>
        /// `NameMatchIndex.hotSlots` and the screener's table of hot contributions.
        let hotSlots: UnsafeBufferPointer<Int16>
        let hot: UnsafeMutableBufferPointer<Double>

        func listed(_ v: Int32) -> (UnsafeBufferPointer<UInt8>, TokenSignature) {
            let s = signatures[Int(v)]
            return (UnsafeBufferPointer(rebasing: bytes[Int(s.start)..<Int(s.start + s.length)]), s)
        }

        func probe(_ p: Int, _ probe: Probe) -> (UnsafeBufferPointer<UInt8>, TokenSignature) {
            let s = probeSignatures[p]
            return (UnsafeBufferPointer(rebasing: probeBytes[Int(s.start)..<Int(s.start + s.length)]), s)
        }
    }

    /// Whether the listed name could score `need`: false only when an upper bound of its name score
    /// is below and no joined/split merge (which the bound does not cover) is possible.
    private func mayReach(_ need: Double, record id: Int, tokens: [NameToken], probe: Probe, views: Views, memo: inout Memo) -> Bool {
        let ids = UnsafeBufferPointer(rebasing: views.units[Int(index.recordTokenStarts[id])..<Int(index.recordRunStarts[id])])
        let runs = UnsafeBufferPointer(rebasing: views.units[Int(index.recordRunStarts[id])..<Int(index.recordTokenStarts[id + 1])])
        // First with the cheap similarity caps, then with the similarities themselves.
        let reach = withUnsafeTemporaryAllocation(of: Double.self, capacity: probe.tokenCount * ids.count) { caps in
            tokenBound(ids, probe: probe, views: views, memo: &memo, caps: caps, exact: false) >= need
                && tokenBound(ids, probe: probe, views: views, memo: &memo, caps: caps, exact: true) >= need
        }
        return reach || mergePossible(ids, runs, tokens: tokens, probe: probe, views: views, memo: &memo)
    }

    /// Whether `NameScorer` could merge joined/split words between the subject and this name
    /// (`mergeJoined`): a run of two or three adjacent tokens whose joined form reaches `mergeFloor`
    /// against a single strong token of the other side, and beats each of its parts there.
    private func mergePossible(_ ids: UnsafeBufferPointer<Int32>, _ runs: UnsafeBufferPointer<Int32>, tokens: [NameToken], probe: Probe, views: Views,
                               memo: inout Memo) -> Bool {
        // The subject's runs against this name's tokens: tokenSimilarity(run, listed), (part, listed).
        if probe.all.count > probe.tokenCount {
            for (r, p) in (probe.tokenCount..<probe.all.count).enumerated() {
                let (pb, ps) = views.probe(p, probe)
                for v in ids {
                    let (vb, vs) = views.listed(v)
                    guard !vs.weak && vs.length >= 5 else { continue }
                    let ratio = Double(ps.length) / Double(vs.length)
                    guard ratio > 0.75 && ratio < 1.34 else { continue }
                    if let cap = TokenSignature.similarityCap(pb, ps, vb, vs), cap < Self.mergeFloor - Self.slack { continue }
                    let whole = pair(p, v, probe, &memo).similarity
                    guard whole >= Self.mergeFloor else { continue }
                    if probe.runParts[r].allSatisfy({ pair($0, v, probe, &memo).similarity < whole }) { return true }
                }
            }
        }
        // This name's runs against the subject's tokens: tokenSimilarity(run, subject), (part, subject).
        var r = runs.startIndex
        for start in ids.indices {
            for len in [2, 3] where start + len <= ids.endIndex {
                let parts = ids[start..<(start + len)]
                guard parts.contains(where: { !views.signatures[Int($0)].weak }) else { continue }
                let q = runs[r]
                r += 1
                let (qb, qs) = views.listed(q)
                for t in probe.targets {
                    let (tb, ts) = views.probe(t, probe)
                    let ratio = Double(qs.length) / Double(ts.length)
                    guard ratio > 0.75 && ratio < 1.34 else { continue }
                    if let cap = TokenSignature.similarityCap(qb, qs, tb, ts), cap < Self.mergeFloor - Self.slack { continue }
                    let whole = reversePair(q, t, tokens, &memo)
                    guard whole >= Self.mergeFloor else { continue }
                    if parts.allSatisfy({ reversePair($0, t, tokens, &memo) < whole }) { return true }
                }
            }
        }
        return false
    }

    /// Memoised `tokenSimilarity(listed, subject token)`: the order `mergeJoined` uses for this name's runs.
    private func reversePair(_ v: Int32, _ t: Int, _ tokens: [NameToken], _ memo: inout Memo) -> Double {
        let key = Int64(t) << 32 | Int64(v)
        if let known = memo.reverse[key] { return known }
        let s = NameScorer.tokenSimilarity(index.vocabulary[Int(v)], tokens[t]).similarity
        memo.reverse[key] = s
        return s
    }

    /// An upper bound of the name score without merges: each token's best contribution against
    /// the other side (greedy pairing can only do worse), from the caps alone unless `exact`.
    /// `caps` holds each pair's cap (−1: none) from the first, cheap pass for the exact one.
    private func tokenBound(_ ids: UnsafeBufferPointer<Int32>, probe: Probe, views: Views, memo: inout Memo,
                            caps: UnsafeMutableBufferPointer<Double>, exact: Bool) -> Double {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: ids.count) { bestRight in
            bestRight.initialize(repeating: 0)
            var rightAnyStrong = false
            for v in ids where !views.signatures[Int(v)].weak { rightAnyStrong = true }
            var a = 0.0, b = 0.0, y = 0.0
            for i in 0..<probe.tokenCount {
                let (pb, ps) = views.probe(i, probe)
                var top = 0.0
                for (j, v) in ids.enumerated() {
                    let (vb, vs) = views.listed(v)
                    // Pairs the cheap cap keeps below the pair floor contribute nothing. Otherwise the cap
                    // bounds a Jaro-Winkler pair's contribution (its cube; a weak pair's similarity itself).
                    let c: Double
                    let k = i * ids.count + j
                    let slot = i < Self.hotProbes ? Int(views.hotSlots[Int(v)]) : -1
                    if !exact { caps[k] = slot >= 0 ? -1 : TokenSignature.similarityCap(pb, ps, vb, vs) ?? -1 }
                    let cap = caps[k]
                    if slot >= 0 {
                        // A common token: its contribution once per subject, from the table.
                        let t = i * NameMatchIndex.hotSlotCount + slot
                        if views.hot[t] < 0 { views.hot[t] = pair(i, v, probe, &memo).contribution }
                        c = views.hot[t]
                    } else if cap >= 0 && cap < NameScorer.pairFloor - Self.slack {
                        c = 0
                    } else if !exact && cap >= 0 {
                        let upper = min(1, cap + Self.slack)
                        c = ps.weak && vs.weak ? upper : upper * upper * upper
                    } else {
                        c = pair(i, v, probe, &memo).contribution
                    }
                    top = max(top, c)
                    bestRight[j] = max(bestRight[j], c)
                }
                Self.accumulate(top, weight: views.probeWeights[i], into: &a, &b, &y)
            }
            let left = Self.coverage(a, b, y)
            a = 0
            b = 0
            y = 0
            for (j, v) in ids.enumerated() {
                let weight = rightAnyStrong && views.signatures[Int(v)].weak ? NameScorer.weakWeight : 1.0
                Self.accumulate(bestRight[j], weight: weight, into: &a, &b, &y)
            }
            let right = Self.coverage(a, b, y)
            let w = NameScorer.largerCoverageWeight
            return min(1, w * max(left, right) + (1 - w) * min(left, right))
        }
    }

    /// Memoised `tokenSimilarity(probe, listed token)` with its contribution (0 below the pair floor).
    private func pair(_ p: Int, _ v: Int32, _ probe: Probe, _ memo: inout Memo) -> (similarity: Double, contribution: Double) {
        let key = Int64(p) << 32 | Int64(v)
        if let known = memo.forward[key] { return known }
        let (s, how) = NameScorer.tokenSimilarity(probe.all[p], index.vocabulary[Int(v)])
        let r = (s, s >= NameScorer.pairFloor ? NameScorer.contribution(s, how: how) : 0)
        memo.forward[key] = r
        return r
    }

    /// Adds one token's best contribution to a side's sums: fixed tokens (weight 1) always count
    /// in the total (A over B); optional ones (weak among strong) only when they can pair (Y).
    static func accumulate(_ best: Double, weight: Double, into a: inout Double, _ b: inout Double, _ y: inout Double) {
        if weight >= 1 {
            a += best * weight
            b += weight
        } else if best > 0 {
            y += weight
        }
    }

    /// An upper bound of a side's coverage from `accumulate`'s sums: contributions are at most 1,
    /// so each paired optional token adds at most its weight above and below: (A + Y) / (B + Y).
    static func coverage(_ a: Double, _ b: Double, _ y: Double) -> Double {
        b + y > 0 ? min(1, (a + y) / (b + y)) : 0
    }
}
