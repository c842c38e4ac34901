import Foundation

/// One token of a normalised name: lower-case ASCII letters and digits, and whether it is weak
/// (an honorific, a company suffix or a name particle that says little about who is meant).
public struct NameToken: Sendable, Equatable, Hashable {
    /// The token as ASCII bytes, for fast comparison.
    public let bytes: [UInt8]
    /// Honorific, company suffix or particle: counted with a small weight.
    public let weak: Bool
    /// The phonetic key of the token (see `PhoneticKey`).
    public let phonetic: [UInt8]
    /// Transliterated from a script that writes no short vowels (Arabic): compared by key.
    public let abjad: Bool

    public init(_ text: String, weak: Bool, abjad: Bool = false) {
        self.bytes = Array(text.utf8)
        self.weak = weak
        self.phonetic = PhoneticKey.code(Array(text.utf8))
        self.abjad = abjad
    }

    /// The token as a string.
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// Turns a name as typed or as listed into comparable tokens.
///
/// Rules, in order:
/// 1. Script, case and diacritics: ICU transforms (the maintained ICU/CLDR transliteration tables,
///    shipped with Foundation on Linux too; see `transform`) turn Cyrillic, Greek, Arabic and
///    accented Latin into lower-case ASCII ("Дмитрий" → "dmitriy", "Γιώργος" → "giorgos",
///    "محمد" → "mhmd" — Arabic script writes no short vowels, so such tokens are marked `abjad`
///    and compared by phonetic key). Pure ASCII input skips ICU (the bulk-screening fast path).
/// 2. Punctuation: dotted abbreviations are closed up ("L.L.C." → "llc"), apostrophes vanish
///    ("O'Brien" → "obrien"), every other non-alphanumeric character separates tokens.
/// 3. Weak tokens: honorifics, company legal forms and name particles are kept but marked weak.
public enum NameNormalizer {
    /// Honorifics and titles (English, Arabic, Russian and Greek usage, transliterated).
    public static let honorifics: Set<String> = [
        "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "lord", "lady", "rev", "hon",
        "shaikh", "sheikh", "shaykh", "sheik", "haji", "hajji", "hadji", "al-haj", "alhaj", "sayyid", "sayed", "syed",
        "mullah", "mulla", "imam", "emir", "amir", "prince", "princess", "king", "gen", "general", "col", "colonel",
        "capt", "captain", "maj", "major", "lt", "jr", "sr", "ii", "iii", "gospodin", "kyrios", "herr", "frau",
        "mme", "mlle", "m", "sra", "sr", "don", "dona",
    ]
    /// Company legal forms and generic company words.
    public static let companySuffixes: Set<String> = [
        "llc", "ltd", "limited", "ooo", "oao", "zao", "pao", "ao", "ag", "gmbh", "sa", "sas", "sarl", "srl", "spa",
        "bv", "nv", "jsc", "pjsc", "cjsc", "ojsc", "inc", "incorporated", "co", "corp", "corporation", "company",
        "plc", "lp", "llp", "pte", "pty", "fze", "fzco", "fzc", "fzllc", "wll", "kg", "ab", "as", "oy", "se",
        "group", "holding", "holdings", "the", "and", "of", "tov", "ip", "ae", "epe",
    ]
    /// Particles that join family names (Arabic, Dutch, German, Romance).
    public static let particles: Set<String> = [
        "al", "el", "ul", "bin", "ibn", "bn", "bint", "ben", "van", "von", "der", "den", "de", "da", "di", "del",
        "della", "du", "la", "le", "dos", "das", "y",
    ]

    /// The tokens of `name`, weak ones marked.
    public static func tokens(_ name: String) -> [NameToken] {
        // Arabic script (U+0600–U+06FF, U+0750–U+077F, presentation forms) writes no short vowels.
        let abjad = name.unicodeScalars.contains { (0x0600...0x06FF).contains($0.value) || (0x0750...0x077F).contains($0.value) || (0xFB50...0xFEFF).contains($0.value) }
        return words(name).map { NameToken($0, weak: isWeak($0), abjad: abjad) }
    }

    /// Whether a normalised word is an honorific, a company suffix or a particle.
    public static func isWeak(_ word: String) -> Bool {
        honorifics.contains(word) || companySuffixes.contains(word) || particles.contains(word)
    }

    /// The normalised words of `name` (rules 1 and 2), without the weak marking.
    public static func words(_ name: String) -> [String] {
        var out: [String] = []
        // Chunks are separated by anything that is not a letter, digit, dot or apostrophe.
        for chunk in toLatinASCII(name).utf8.split(whereSeparator: { !(isAlnum($0) || $0 == 46 || $0 == 39 || $0 == 96) }) {
            let kept = chunk.filter { $0 != 39 && $0 != 96 }
            let pieces = kept.split(separator: 46)
            // "l.l.c." or "u.s.a": every piece a single character → one closed-up token.
            if pieces.count >= 2 && pieces.allSatisfy({ $0.count == 1 }) {
                out.append(String(decoding: pieces.flatMap { $0 }, as: UTF8.self))
            } else {
                out.append(contentsOf: pieces.map { String(decoding: $0, as: UTF8.self) })
            }
        }
        return out
    }

    private static func isAlnum(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 48 && b <= 57) }

    /// Script, case and diacritics folded to lower-case ASCII.
    public static func toLatinASCII(_ s: String) -> String {
        if s.utf8.allSatisfy({ $0 < 128 }) { return s.lowercased() }
        if let t = s.applyingTransform(transform, reverse: false) {
            // ICU keeps the ʿayn and hamza marks (U+02BF, U+02BE, U+02BB, U+02BC); they join, like apostrophes.
            return String(t.lowercased().unicodeScalars.filter { !(0x02B9...0x02BF).contains($0.value) }.map(Character.init))
        }
        // Without ICU: fold diacritics at least; other scripts then drop out as punctuation.
        return s.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
    }

    /// ICU transforms: BGN/PCGN for Russian Cyrillic (the romanisation English-language sanctions
    /// lists use: "zh", "kh", "ts", "shch", "ya"), UNGEGN (ELOT 743) for Greek, ICU's generic
    /// Any-Latin for the rest (Arabic, other Cyrillic, ...), then accents stripped.
    private static let transform = StringTransform("Russian-Latin/BGN; Greek-Latin/UNGEGN; Any-Latin; Latin-ASCII; Lower")
}
