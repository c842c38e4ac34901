import Foundation

/// The three trading risk flags (`risk_flags.kind`).
public enum RiskFlagKind: String, Sendable, CaseIterable, Codable {
    /// Most closed positions held only seconds: trading on stale prices.
    case latencyArbitrage = "latency_arbitrage"
    /// Opposite positions on one symbol at the same time on related clients' accounts.
    case relatedHedging = "related_hedging"
    /// A deal far above the client's own usual size.
    case abnormalSize = "abnormal_size"
}

/// One stored risk flag.
public struct RiskFlag: Sendable, Equatable {
    public let id: UUID
    public let client: UUID
    public let kind: RiskFlagKind
    /// The facts that raised it, as stored (jsonb text).
    public let facts: String
    public let status: String
    public let reviewedBy: String?
    public let reviewedAt: Date?
    public let createdAt: Date
}

/// Facts of a latency arbitrage flag.
public struct LatencyFacts: Codable, Sendable, Equatable {
    public let closedPositions: Int
    public let shortPositions: Int
    public let shortShareBasisPoints: Int
    public let shortHoldSeconds: Int64
    public let windowDays: Int64
    public let newestCloseMsc: Int64

    public init(closedPositions: Int, shortPositions: Int, shortShareBasisPoints: Int, shortHoldSeconds: Int64, windowDays: Int64, newestCloseMsc: Int64) {
        self.closedPositions = closedPositions; self.shortPositions = shortPositions; self.shortShareBasisPoints = shortShareBasisPoints
        self.shortHoldSeconds = shortHoldSeconds; self.windowDays = windowDays; self.newestCloseMsc = newestCloseMsc
    }

    enum CodingKeys: String, CodingKey {
        case closedPositions = "closed_positions", shortPositions = "short_positions", shortShareBasisPoints = "short_share_bp"
        case shortHoldSeconds = "short_hold_seconds", windowDays = "window_days", newestCloseMsc = "newest_close_msc"
    }
}

/// Facts of a related-accounts hedging flag (one pair of opposite positions).
public struct HedgingFacts: Codable, Sendable, Equatable {
    public let symbol: String
    public let position: Int64
    public let side: String
    public let otherClient: String
    public let otherPosition: Int64
    public let otherSide: String
    /// What the two clients share: `ip:1.2.3.4`, `device:<user agent>`.
    public let shared: [String]
    public let overlapFromMsc: Int64

    public init(symbol: String, position: Int64, side: String, otherClient: String, otherPosition: Int64, otherSide: String, shared: [String],
                overlapFromMsc: Int64) {
        self.symbol = symbol; self.position = position; self.side = side; self.otherClient = otherClient
        self.otherPosition = otherPosition; self.otherSide = otherSide; self.shared = shared; self.overlapFromMsc = overlapFromMsc
    }

    enum CodingKeys: String, CodingKey {
        case symbol, position, side, shared
        case otherClient = "other_client", otherPosition = "other_position", otherSide = "other_side", overlapFromMsc = "overlap_from_msc"
    }
}

/// Facts of an abnormal trade size flag.
public struct SizeFacts: Codable, Sendable, Equatable {
    public let deal: Int64
    public let symbol: String
    /// Volume in 1/100,000,000 lot, as `platform_deals.volume_ext`.
    public let volumeExt: Int64
    public let medianVolumeExt: Int64
    public let historyDeals: Int
    public let multiple: Int64

    enum CodingKeys: String, CodingKey {
        case deal, symbol, multiple
        case volumeExt = "volume_ext", medianVolumeExt = "median_volume_ext", historyDeals = "history_deals"
    }
}
