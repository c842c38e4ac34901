import Foundation

/// The tunable thresholds of the trading risk flags, with the documented defaults
/// (docs/COMPLIANCE-RISK.md, "Trading risk flags").
public struct RiskFlagParams: Sendable, Equatable {
    /// A position held less than this many seconds counts as a short position.
    public var shortHoldSeconds: Int64 = 30
    /// Only positions closed in the last `windowDays` days count.
    public var windowDays: Int64 = 30
    /// Fewer closed positions than this in the window never flag (too little to judge).
    public var minPositions: Int = 10
    /// Flag when short positions are at least this share of the closed ones, in basis points (5000 = 50 %).
    public var shortShareBasisPoints: Int = 5_000
    /// A deal is abnormal when its volume is more than `sizeMultiple` × the client's median.
    public var sizeMultiple: Int64 = 10
    /// The median is taken over the client's previous `sizeHistory` opening deals.
    public var sizeHistory: Int = 20
    /// With fewer previous opening deals than this there is no history to compare with.
    public var sizeMinHistory: Int = 5

    public init() {}
}
