import Foundation

/// A phonetic key for names that reach Latin by different transliterations.
///
/// The algorithm is American Soundex's consonant classes (as published by the US National
/// Archives: 1 = b f p v, 2 = c g j k q s x z, 3 = d t, 4 = l, 5 = m n, 6 = r) with three changes
/// made for transliterated names, where vowels are the least reliable part:
/// - vowels and h, w, y are dropped everywhere and never separate two equal codes (Arabic script
///   writes no short vowels, so "mhmd" must meet "muhammad"; "kh"/"h" and "y"/"i" vary freely);
/// - the first letter is coded like the others (so "Yusuf" meets "Jusuf", "Chaim" meets "Khaim");
/// - no truncation to four characters (long names keep their discriminating tail).
/// Adjacent equal codes collapse. Soundex was chosen over Double Metaphone because it is small,
/// documented and language-neutral: Metaphone's English spelling rules help little with
/// romanised Arabic and Cyrillic.
public enum PhoneticKey {
    /// The key of one ASCII lower-case token ("muhammad" → "53").
    public static func code(_ token: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(token.count)
        for b in token {
            let c = table[Int(b)]
            if c == 0 { continue }
            if out.last != c { out.append(c) }
        }
        return out
    }

    private static let table: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 256)
        for (letters, code) in [("bfpv", "1"), ("cgjkqsxz", "2"), ("dt", "3"), ("l", "4"), ("mn", "5"), ("r", "6")] {
            for l in letters.utf8 { t[Int(l)] = code.utf8.first ?? 0 }
        }
        // Digits keep their own value so "7" never meets "9".
        for d in UInt8(48)...UInt8(57) { t[Int(d)] = d + 49 }
        return t
    }()
}

/// Jaro-Winkler similarity on ASCII bytes (Winkler 1990: prefix scale 0.1, up to 4 characters).
public enum JaroWinkler {
    /// Similarity of two byte strings, 0–1.
    ///
    /// Tokens of up to 64 bytes (every real name token) keep the matched flags in two 64-bit masks
    /// instead of two heap arrays: screening computes this thousands of times per client. The
    /// arithmetic is `referenceSimilarity`'s, step for step, so both give the same `Double`.
    public static func similarity(_ a: [UInt8], _ b: [UInt8]) -> Double {
        let la = a.count, lb = b.count
        guard la <= 64 && lb <= 64 else { return referenceSimilarity(a, b) }
        return a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in similarity(pa, pb) } }
    }

    /// Similarity of two byte buffers of at most 64 bytes each (see `similarity(_:_:)`).
    static func similarity(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Double {
        let la = a.count, lb = b.count
        if la == lb && (la == 0 || memcmp(a.baseAddress!, b.baseAddress!, la) == 0) { return la == 0 ? 0 : 1 }
        if la == 0 || lb == 0 { return 0 }
        let window = max(0, max(la, lb) / 2 - 1)
        var aMatch: UInt64 = 0, bMatch: UInt64 = 0
        var matches = 0
        for i in 0..<la {
            let lo = max(0, i - window), hi = min(lb - 1, i + window)
            if lo > hi { continue }
            let ai = a[i]
            for j in lo...hi where bMatch & (1 << UInt64(j)) == 0 && ai == b[j] {
                aMatch |= 1 << UInt64(i)
                bMatch |= 1 << UInt64(j)
                matches += 1
                break
            }
        }
        if matches == 0 { return 0 }
        var transpositions = 0
        var restA = aMatch, restB = bMatch
        while restA != 0 {
            let i = restA.trailingZeroBitCount, k = restB.trailingZeroBitCount
            if a[i] != b[k] { transpositions += 1 }
            restA &= restA - 1
            restB &= restB - 1
        }
        let m = Double(matches)
        let jaro = (m / Double(la) + m / Double(lb) + (m - Double(transpositions) / 2) / m) / 3
        var prefix = 0
        while prefix < min(4, min(la, lb)) && a[prefix] == b[prefix] { prefix += 1 }
        return jaro + Double(prefix) * 0.1 * (1 - jaro)
    }

    /// The textbook form with two flag arrays: any length, and the reference the fast form is tested against.
    public static func referenceSimilarity(_ a: [UInt8], _ b: [UInt8]) -> Double {
        if a == b { return a.isEmpty ? 0 : 1 }
        let la = a.count, lb = b.count
        if la == 0 || lb == 0 { return 0 }
        let window = max(0, max(la, lb) / 2 - 1)
        var aMatch = [Bool](repeating: false, count: la)
        var bMatch = [Bool](repeating: false, count: lb)
        var matches = 0
        for i in 0..<la {
            let lo = max(0, i - window), hi = min(lb - 1, i + window)
            if lo > hi { continue }
            for j in lo...hi where !bMatch[j] && a[i] == b[j] {
                aMatch[i] = true
                bMatch[j] = true
                matches += 1
                break
            }
        }
        if matches == 0 { return 0 }
        var transpositions = 0
        var k = 0
        for i in 0..<la where aMatch[i] {
            while !bMatch[k] { k += 1 }
            if a[i] != b[k] { transpositions += 1 }
            k += 1
        }
        let m = Double(matches)
        let jaro = (m / Double(la) + m / Double(lb) + (m - Double(transpositions) / 2) / m) / 3
        var prefix = 0
        while prefix < min(4, min(la, lb)) && a[prefix] == b[prefix] { prefix += 1 }
        return jaro + Double(prefix) * 0.1 * (1 - jaro)
    }
}
