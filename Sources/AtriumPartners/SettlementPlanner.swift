import Foundation

/// A pending, payable commission line as settlement sees it.
public struct SettlementLine: Sendable, Equatable {
    public let id: Int64
    /// The period of the line's deal time.
    public let period: SettlementPeriod
    /// Signed minor units (a reversal is negative).
    public let amount: Int64

    public init(id: Int64, period: SettlementPeriod, amount: Int64) {
        self.id = id
        self.period = period
        self.amount = amount
    }
}

/// A settlement to create: the lines it closes and their sum.
public struct PlannedSettlement: Sendable, Equatable {
    public let period: SettlementPeriod
    public let lineIDs: [Int64]
    public let amount: Int64

    public init(period: SettlementPeriod, lineIDs: [Int64], amount: Int64) {
        self.period = period
        self.lineIDs = lineIDs
        self.amount = amount
    }
}

/// Decides which settlements one IB gets in one currency (pure, so every case is a unit test).
///
/// Periods are walked oldest first, carrying lines forward:
/// - a period that already has a settlement (lines that arrived after it was made) carries its lines
///   to the next period;
/// - a period whose running total is negative (reversals outweigh accruals) carries too: the IB is
///   never debited, the next positive period nets it off;
/// - otherwise the carried lines and the period's own make one settlement.
/// The last closed period is always walked, so carried lines land there; what is still carried after
/// it waits for the next run.
public enum SettlementPlanner {
    public static func plan(lines: [SettlementLine], existing: Set<String>, lastClosed: SettlementPeriod) throws -> [PlannedSettlement] {
        let byPeriod = Dictionary(grouping: lines.filter { $0.period <= lastClosed }, by: \.period)
        let periods = Set(byPeriod.keys).union([lastClosed]).sorted()
        var out: [PlannedSettlement] = []
        var carried: [Int64] = []
        var sum: Int64 = 0
        for period in periods {
            for line in byPeriod[period] ?? [] {
                carried.append(line.id)
                let (next, overflow) = sum.addingReportingOverflow(line.amount)
                guard !overflow else { throw SettlementError.amountOverflow }
                sum = next
            }
            if carried.isEmpty || existing.contains(period.start) || sum < 0 { continue }
            out.append(PlannedSettlement(period: period, lineIDs: carried, amount: sum))
            carried = []
            sum = 0
        }
        return out
    }
}
