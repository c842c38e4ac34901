import AtriumCompliance
import Foundation

/// Deterministic fictitious names: common given names (so blocking meets crowded keys, as real
/// lists do) and surnames built from syllables; entities with legal forms.
struct SyntheticNames {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    /// SplitMix64: a fixed sequence per seed.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func pick<T>(_ a: [T]) -> T { a[Int(next() % UInt64(a.count))] }
    mutating func chance(_ p: Double) -> Bool { Double(next() % 10_000) / 10_000 < p }

    static let given = ["Mohammed", "Ahmed", "Ali", "Omar", "Hassan", "Hussein", "Khalid", "Yusuf", "Ibrahim", "Abdul", "Ivan", "Sergei",
                        "Dmitri", "Alexei", "Vladimir", "Nikolai", "Olga", "Elena", "Maria", "Anna", "John", "Michael", "David", "James",
                        "Robert", "Peter", "Paul", "Wei", "Li", "Jose", "Carlos", "Juan", "Luis", "Giorgos", "Nikos", "Fatima", "Aisha",
                        "Tariq", "Said", "Karim", "Rashid", "Samir", "Nabil", "Jamal", "Mustafa", "Faisal", "Ziad", "Hamid", "Reza", "Amir"]
    static let syllables = ["ka", "ro", "mi", "ta", "lo", "ve", "sa", "ni", "ko", "da", "ri", "be", "no", "za", "ha", "mu", "el", "an",
                            "or", "us", "ba", "di", "fa", "ge", "ju", "ly", "pe", "qu", "sh", "ch", "ov", "ev", "in", "ar", "em", "ol"]
    static let forms = ["LLC", "Ltd", "JSC", "GmbH", "SA", "Co", "Inc", "OOO", "AG", "Holdings", "Trading"]

    mutating func surname() -> String {
        let n = 2 + Int(next() % 2)
        let s = (0..<n).map { _ in pick(Self.syllables) }.joined()
        return s.prefix(1).uppercased() + s.dropFirst() + pick(["", "ov", "i", "an", "ez", "son", "ski", ""])
    }

    mutating func personName() -> String {
        chance(0.4) ? "\(pick(Self.given)) \(pick(Self.given)) \(surname())" : "\(pick(Self.given)) \(surname())"
    }

    mutating func entry(index: Int, version: UUID) -> ListEntry {
        let entity = chance(0.2)
        let primary = entity ? "\(surname()) \(surname()) \(pick(Self.forms))" : personName()
        var aliases: [ListEntry.Alias] = []
        for _ in 0..<Int(next() % 4) {
            let words = primary.split(separator: " ").map(String.init)
            switch next() % 3 {
            case 0: aliases.append(.init(name: words.reversed().joined(separator: " "), strong: true))
            case 1: aliases.append(.init(name: entity ? "\(surname()) \(pick(Self.forms))" : personName(), strong: chance(0.5)))
            default: aliases.append(.init(name: words.map { typo($0) }.joined(separator: " "), strong: false))
            }
        }
        let dob: [BirthDate] = entity ? [] : [.exact(year: 1940 + Int(next() % 60), month: 1 + Int(next() % 12), day: 1 + Int(next() % 28))]
        return ListEntry(versionID: version, source: index % 2 == 0 ? "ofac" : "un", ref: String(index + 1), kind: entity ? "entity" : "individual",
                         primaryName: primary, aliases: aliases, datesOfBirth: dob, countries: [pick(["IR", "RU", "SY", "KP", "VE", "CU", "IQ"])],
                         programs: ["SDGT"], checksum: String(index))
    }

    /// A client: mostly a fresh name, one in 200 a typo of a listed name.
    mutating func client(index: Int, list: [ListEntry]) -> ScreeningSubject {
        let name = chance(0.005) ? typo(pick(list).primaryName) : personName()
        return ScreeningSubject(name: name, dateOfBirth: (1950 + Int(next() % 50), 1 + Int(next() % 12), 1 + Int(next() % 28)),
                                country: pick(["GB", "DE", "RU", "AE", "CY", "FR", "IR"]))
    }

    /// One character doubled or dropped.
    mutating func typo(_ s: String) -> String {
        var c = Array(s)
        guard c.count > 3 else { return s }
        let i = 1 + Int(next() % UInt64(c.count - 2))
        if chance(0.5) { c.remove(at: i) } else { c.insert(c[i], at: i) }
        return String(c)
    }
}
