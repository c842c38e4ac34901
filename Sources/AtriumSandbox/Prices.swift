import Foundation

/// A tradable symbol. Prices are Int64 counts of points (10^-digits), all quoted in USD.
struct SymbolSpec: Sendable {
    var name: String
    var group: String
    var digits: Int
    /// Contract size: units of the base per lot.
    var contract: Int64
    /// The first price, in points.
    var start: Int64
    /// The largest move of one tick, in points.
    var step: Int64

    /// 10^digits.
    var scale: Int64 { FixedPoint.pow10(digits) }

    func format(_ points: Int64) -> String { FixedPoint.format(points, digits: digits) }

    static let all: [SymbolSpec] = [
        SymbolSpec(name: "EURUSD", group: "forex", digits: 5, contract: 100_000, start: 108_500, step: 5),
        SymbolSpec(name: "GBPUSD", group: "forex", digits: 5, contract: 100_000, start: 126_500, step: 6),
        SymbolSpec(name: "XAUUSD", group: "metals", digits: 2, contract: 100, start: 235_000, step: 40),
        SymbolSpec(name: "US30", group: "indices", digits: 1, contract: 1, start: 390_000, step: 60),
        SymbolSpec(name: "BTCUSD", group: "crypto", digits: 2, contract: 1, start: 6_500_000, step: 2_500),
    ]

    private static let byName: [String: SymbolSpec] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    static func named(_ name: String) -> SymbolSpec? { byName[name] }
}

/// SplitMix64: a small, fast, seedable generator, so prices and trades repeat for a seed.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The current price of every symbol, walking randomly one step per tick.
struct PriceFeed: Sendable {
    private(set) var points: [String: Int64]
    private var generator: SplitMix64

    init(seed: UInt64) {
        points = Dictionary(uniqueKeysWithValues: SymbolSpec.all.map { ($0.name, $0.start) })
        generator = SplitMix64(seed: seed ^ 0x5052_4943_4553_0001)
    }

    /// The current price of a symbol in points (its start price if unknown).
    func price(_ symbol: String) -> Int64 {
        points[symbol] ?? SymbolSpec.named(symbol)?.start ?? 1
    }

    /// EURUSD in points (10^-5), used to convert USD cents into EUR cents.
    var eurusd: Int64 { max(1, price("EURUSD")) }

    /// One random-walk step for every symbol, never below one point.
    mutating func step() {
        for spec in SymbolSpec.all {
            let move = Int64.random(in: -spec.step...spec.step, using: &generator)
            points[spec.name] = max(1, price(spec.name) + move)
        }
    }
}
