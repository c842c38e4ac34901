import AtriumCore
import Foundation

/// The body of one commission plan version (stored as canonical JSON in
/// `commission_plan_versions.body`). Every money figure is in minor units of `currency`; every
/// percentage is in basis points (2,000 = 20.00 %); volumes are in 1/100,000,000 lot.
///
/// The plan of a client's own (level 1) IB decides what every level above is paid; arrays with a
/// value per level start at level 1.
public struct CommissionPlan: Codable, Sendable, Equatable {
    /// When a deal earns: on the opening deal, on the closing deal, or on both.
    public enum PayOn: String, Codable, Sendable, CaseIterable { case open, close, both }

    /// A per-lot rebate for one symbol group, optionally only for one account type.
    public struct Rebate: Codable, Sendable, Equatable {
        public var symbolGroup: String
        /// nil: every account type.
        public var accountType: String?
        /// Minor units of `currency` per lot, per level.
        public var perLotMinor: [Int64]
        enum CodingKeys: String, CodingKey { case symbolGroup = "symbol_group", accountType = "account_type", perLotMinor = "per_lot_minor" }
        public init(symbolGroup: String, accountType: String? = nil, perLotMinor: [Int64]) {
            self.symbolGroup = symbolGroup
            self.accountType = accountType
            self.perLotMinor = perLotMinor
        }
    }

    /// Shares of what the client paid: the deal's commission and the brand's spread markup.
    public struct RevenueShare: Codable, Sendable, Equatable {
        /// Basis points of the deal's commission, per level.
        public var commissionBps: [Int]
        /// Basis points of the brand's spread markup per lot (`partners.spread_markup_per_lot_minor`), per level.
        public var markupBps: [Int]
        enum CodingKeys: String, CodingKey { case commissionBps = "commission_bps", markupBps = "markup_bps" }
        public init(commissionBps: [Int] = [], markupBps: [Int] = []) {
            self.commissionBps = commissionBps
            self.markupBps = markupBps
        }
    }

    /// Cost per acquisition: paid once per client, ever, when the client qualifies.
    public struct CPA: Codable, Sendable, Equatable {
        /// Minor units of `currency`, per level.
        public var perLevelMinor: [Int64]
        /// The client's first deposit must be at least this (minor units of `currency`).
        public var minFirstDepositMinor: Int64
        /// … and the client must trade at least this volume (1/100,000,000 lot) …
        public var minLotsExt: Int64
        /// … within this many days of the first deposit.
        public var withinDays: Int
        enum CodingKeys: String, CodingKey {
            case perLevelMinor = "per_level_minor", minFirstDepositMinor = "min_first_deposit_minor"
            case minLotsExt = "min_lots_ext", withinDays = "within_days"
        }
        public init(perLevelMinor: [Int64], minFirstDepositMinor: Int64, minLotsExt: Int64, withinDays: Int) {
            self.perLevelMinor = perLevelMinor
            self.minFirstDepositMinor = minFirstDepositMinor
            self.minLotsExt = minLotsExt
            self.withinDays = withinDays
        }
    }

    /// A monthly-volume tier of the level-1 IB: once a calendar month's lots reach `minLotsExt`,
    /// level-1 rebates from the first day of the *next* month are raised by `rebateBonusBps`.
    public struct Tier: Codable, Sendable, Equatable {
        public var minLotsExt: Int64
        public var rebateBonusBps: Int
        enum CodingKeys: String, CodingKey { case minLotsExt = "min_lots_ext", rebateBonusBps = "rebate_bonus_bps" }
        public init(minLotsExt: Int64, rebateBonusBps: Int) {
            self.minLotsExt = minLotsExt
            self.rebateBonusBps = rebateBonusBps
        }
    }

    public var currency: String
    public var payOn: PayOn
    /// A position closed within this many seconds of opening earns nothing (0: no minimum).
    public var minHoldSeconds: Int
    /// Whether the IB's own trading accounts earn commissions.
    public var payOwnAccounts: Bool
    /// How many levels the plan pays (1 = the client's IB only).
    public var levels: Int
    public var rebates: [Rebate]
    public var revenueShare: RevenueShare?
    public var cpa: CPA?
    /// The most all levels together may earn per lot, in minor units of `currency`; nil: no cap.
    public var capPerLotMinor: Int64?
    public var tiers: [Tier]

    enum CodingKeys: String, CodingKey {
        case currency, levels, rebates, cpa, tiers
        case payOn = "pay_on", minHoldSeconds = "min_hold_seconds", payOwnAccounts = "pay_own_accounts"
        case revenueShare = "revenue_share", capPerLotMinor = "cap_per_lot_minor"
    }

    public init(currency: String, payOn: PayOn = .close, minHoldSeconds: Int = 0, payOwnAccounts: Bool = false, levels: Int = 1,
                rebates: [Rebate] = [], revenueShare: RevenueShare? = nil, cpa: CPA? = nil, capPerLotMinor: Int64? = nil, tiers: [Tier] = []) {
        self.currency = currency
        self.payOn = payOn
        self.minHoldSeconds = minHoldSeconds
        self.payOwnAccounts = payOwnAccounts
        self.levels = levels
        self.rebates = rebates
        self.revenueShare = revenueShare
        self.cpa = cpa
        self.capPerLotMinor = capPerLotMinor
        self.tiers = tiers
    }

    /// The most levels any plan may pay.
    public static let maxLevels = 10
    /// One lot in `VolumeExt` units.
    public static let lotExt: Int64 = 100_000_000
}

/// A plan field that is not acceptable, named by its JSON path (`rebates[0].per_lot_minor[1]`).
public struct PlanProblem: Error, Equatable, Sendable, CustomStringConvertible {
    public let field: String
    public let reason: String
    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }
    public var description: String { "\(field): \(reason)" }
}

extension CommissionPlan {
    /// Every problem of this plan for a brand whose symbol groups are `symbolGroups`, published
    /// at `effectiveFrom` when `now` is now. Empty when the plan may be saved.
    public func problems(symbolGroups: Set<String>, effectiveFrom: Date?, now: Date = Date()) -> [PlanProblem] {
        var p: [PlanProblem] = []
        if ISO4217.exponents[currency] == nil { p.append(.init(field: "currency", reason: "a known ISO 4217 currency code like USD")) }
        if !(1...Self.maxLevels).contains(levels) { p.append(.init(field: "levels", reason: "between 1 and \(Self.maxLevels)")) }
        if minHoldSeconds < 0 || minHoldSeconds > 86_400 * 30 { p.append(.init(field: "min_hold_seconds", reason: "between 0 and 2592000 seconds")) }
        if let effectiveFrom, effectiveFrom < now.addingTimeInterval(-60) {
            p.append(.init(field: "effective_from", reason: "now or later: a published version never changes the past"))
        }
        func perLevel<T: BinaryInteger>(_ values: [T], _ path: String, max: T? = nil) {
            if values.count > levels { p.append(.init(field: path, reason: "at most \(levels) values (one per level the plan pays)")) }
            for (i, v) in values.enumerated() {
                if v < 0 { p.append(.init(field: "\(path)[\(i)]", reason: "zero or more, never negative")) }
                if let max, v > max { p.append(.init(field: "\(path)[\(i)]", reason: "at most \(max)")) }
            }
        }
        for (i, r) in rebates.enumerated() {
            let path = "rebates[\(i)]"
            if !symbolGroups.contains(r.symbolGroup) {
                p.append(.init(field: "\(path).symbol_group", reason: "one of the brand's symbol groups (\(symbolGroups.sorted().joined(separator: ", ")))"))
            }
            if r.perLotMinor.isEmpty { p.append(.init(field: "\(path).per_lot_minor", reason: "at least the level-1 amount")) }
            perLevel(r.perLotMinor, "\(path).per_lot_minor")
            if let cap = capPerLotMinor {
                for (l, v) in r.perLotMinor.enumerated() where v > cap {
                    p.append(.init(field: "cap_per_lot_minor", reason: "at least every level's amount (\(path).per_lot_minor[\(l)] is \(v))"))
                }
            }
            if rebates[..<i].contains(where: { $0.symbolGroup == r.symbolGroup && $0.accountType == r.accountType }) {
                p.append(.init(field: "\(path).symbol_group", reason: "one rebate per symbol group and account type"))
            }
        }
        if let cap = capPerLotMinor, cap < 0 { p.append(.init(field: "cap_per_lot_minor", reason: "zero or more, never negative")) }
        if let rs = revenueShare {
            perLevel(rs.commissionBps, "revenue_share.commission_bps", max: 10_000)
            perLevel(rs.markupBps, "revenue_share.markup_bps", max: 10_000)
            if rs.commissionBps.reduce(0, +) > 10_000 { p.append(.init(field: "revenue_share.commission_bps", reason: "at most 10000 basis points over all levels")) }
            if rs.markupBps.reduce(0, +) > 10_000 { p.append(.init(field: "revenue_share.markup_bps", reason: "at most 10000 basis points over all levels")) }
        }
        if let cpa {
            if cpa.perLevelMinor.isEmpty { p.append(.init(field: "cpa.per_level_minor", reason: "at least the level-1 amount")) }
            perLevel(cpa.perLevelMinor, "cpa.per_level_minor")
            if cpa.minFirstDepositMinor < 0 { p.append(.init(field: "cpa.min_first_deposit_minor", reason: "zero or more, never negative")) }
            if cpa.minLotsExt < 0 { p.append(.init(field: "cpa.min_lots_ext", reason: "zero or more, never negative")) }
            if !(1...365).contains(cpa.withinDays) { p.append(.init(field: "cpa.within_days", reason: "between 1 and 365")) }
        }
        for (i, t) in tiers.enumerated() {
            if t.minLotsExt <= 0 { p.append(.init(field: "tiers[\(i)].min_lots_ext", reason: "more than zero")) }
            if !(0...10_000).contains(t.rebateBonusBps) { p.append(.init(field: "tiers[\(i)].rebate_bonus_bps", reason: "between 0 and 10000")) }
            if i > 0, t.minLotsExt <= tiers[i - 1].minLotsExt { p.append(.init(field: "tiers[\(i)].min_lots_ext", reason: "more than the tier before")) }
        }
        if rebates.isEmpty && revenueShare == nil && cpa == nil { p.append(.init(field: "rebates", reason: "a plan pays at least one component (rebate, revenue share or CPA)")) }
        return p
    }
}
