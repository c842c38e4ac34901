import AtriumPartners
import Foundation
import Testing

@Suite("Settlement periods and planner")
struct SettlementPlannerTests {
    static func at(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }
    static func day(_ text: String) -> SettlementPeriod { SettlementPeriod(containing: at(text + "T12:00:00Z"), frequency: .daily) }

    @Test("a daily period is one UTC day; a monthly period runs from the 1st to the last day of the month")
    func periods() {
        let d = SettlementPeriod(containing: Self.at("2026-12-05T23:59:59Z"), frequency: .daily)
        #expect(d.start == "2026-12-05")
        #expect(d.end == "2026-12-05")
        #expect(d.previous(.daily).start == "2026-12-04")
        let m = SettlementPeriod(containing: Self.at("2024-02-29T00:00:00Z"), frequency: .monthly)
        #expect(m.start == "2024-02-01")
        #expect(m.end == "2024-02-29")
        #expect(m.previous(.monthly).start == "2024-01-01")
        #expect(m.previous(.monthly).end == "2024-01-31")
        #expect(SettlementPeriod(containing: Self.at("2027-01-01T00:00:00Z"), frequency: .monthly).previous(.monthly).start == "2026-12-01")
        #expect(SettlementFrequency(setting: "daily") == .daily)
        #expect(SettlementFrequency(setting: "monthly") == .monthly)
    }

    @Test("each closed period with lines becomes one settlement of their sum and count")
    func onePerPeriod() throws {
        let lines = [SettlementLine(id: 1, period: Self.day("2026-12-03"), amount: 1_500), SettlementLine(id: 2, period: Self.day("2026-12-03"), amount: 2_500),
                     SettlementLine(id: 3, period: Self.day("2026-12-04"), amount: 700)]
        let plan = try SettlementPlanner.plan(lines: lines, existing: [], lastClosed: Self.day("2026-12-05"))
        #expect(plan.map(\.period.start) == ["2026-12-03", "2026-12-04"])
        #expect(plan.map(\.amount) == [4_000, 700])
        #expect(plan.map(\.lineIDs) == [[1, 2], [3]])
    }

    @Test("a negative period carries to the next one and is netted there; the IB is never debited")
    func negativeCarries() throws {
        let lines = [SettlementLine(id: 1, period: Self.day("2026-12-03"), amount: -1_000), SettlementLine(id: 2, period: Self.day("2026-12-03"), amount: 300),
                     SettlementLine(id: 3, period: Self.day("2026-12-04"), amount: 2_000)]
        let plan = try SettlementPlanner.plan(lines: lines, existing: [], lastClosed: Self.day("2026-12-05"))
        #expect(plan == [PlannedSettlement(period: Self.day("2026-12-04"), lineIDs: [1, 2, 3], amount: 1_300)])
        // still negative at the last closed period: nothing is settled, the lines wait
        let waiting = try SettlementPlanner.plan(lines: Array(lines.prefix(2)), existing: [], lastClosed: Self.day("2026-12-05"))
        #expect(waiting.isEmpty)
    }

    @Test("a line that arrives after its period was settled goes to the last closed period")
    func lateLine() throws {
        let lines = [SettlementLine(id: 9, period: Self.day("2026-12-02"), amount: 400)]
        let plan = try SettlementPlanner.plan(lines: lines, existing: ["2026-12-02"], lastClosed: Self.day("2026-12-05"))
        #expect(plan == [PlannedSettlement(period: Self.day("2026-12-05"), lineIDs: [9], amount: 400)])
        // and waits when the last closed period is settled too
        #expect(try SettlementPlanner.plan(lines: lines, existing: ["2026-12-02", "2026-12-05"], lastClosed: Self.day("2026-12-05")).isEmpty)
    }

    @Test("lines of the current period are left for a later run")
    func currentPeriodWaits() throws {
        let lines = [SettlementLine(id: 1, period: Self.day("2026-12-06"), amount: 400)]
        #expect(try SettlementPlanner.plan(lines: lines, existing: [], lastClosed: Self.day("2026-12-05")).isEmpty)
    }

    @Test("a total beyond Int64 is refused, never wrapped")
    func overflow() {
        let lines = [SettlementLine(id: 1, period: Self.day("2026-12-03"), amount: .max), SettlementLine(id: 2, period: Self.day("2026-12-03"), amount: 1)]
        #expect(throws: SettlementError.amountOverflow) { try SettlementPlanner.plan(lines: lines, existing: [], lastClosed: Self.day("2026-12-05")) }
    }
}
