import AtriumStorage
@testable import AtriumTrading
import AtriumWork
import Foundation
import Logging
import Testing

/// The decisions behind idle cost, without a database: which connection the sync scheduler
/// starts, which tenants a gated periodic task runs for, and the worker's wake-up slot.
@Suite("Idle scheduling")
struct IdleSchedulingTests {
    static func entry(_ id: String, due: ContinuousClock.Instant, running: Bool = false) -> (TradingSyncService.Key, TradingSyncService.Entry) {
        let handle = TenantHandle(id: UUID(), slug: "b\(id)", schema: SQLIdentifier("tenant_b\(id)")!, role: SQLIdentifier("r_b\(id)")!)
        var e = TradingSyncService.Entry(tenant: handle, slug: handle.slug, connectionID: id, due: due)
        e.running = running
        return (TradingSyncService.Key(tenant: handle.id, connectionID: id), e)
    }

    @Test("the scheduler starts the most overdue connections first, never more than the free slots, never a running one")
    func pickMostOverdue() {
        let now = ContinuousClock.now
        let list = [Self.entry("a", due: now - .seconds(1)), Self.entry("b", due: now - .seconds(9)),
                    Self.entry("c", due: now - .seconds(5), running: true), Self.entry("d", due: now + .seconds(3)),
                    Self.entry("e", due: now - .seconds(4))]
        let entries = Dictionary(uniqueKeysWithValues: list)
        #expect(TradingSyncService.pick(entries, now: now, slots: 2).map(\.connectionID) == ["b", "e"])
        #expect(TradingSyncService.pick(entries, now: now, slots: 5).map(\.connectionID) == ["b", "e", "a"])
        #expect(TradingSyncService.pick(entries, now: now, slots: 0).isEmpty)
    }

    @Test("a gated task runs for a tenant whose counters moved or whose sweep is due, and for all when counters are unknown")
    func tableActivity() throws {
        let db = Database(url: try DatabaseURL(parsing: "postgres://u@127.0.0.1:1/x"), poolSize: 1, logger: Logger(label: "t"))
        let activity = TableActivity(database: db, tables: ["payments"], sweepEvery: .seconds(600))
        let t0 = ContinuousClock.now
        #expect(activity.isDue("tenant_a", counters: ["tenant_a": 5], now: t0)) // never ran
        activity.ran("tenant_a", counters: ["tenant_a": 5], at: t0)
        #expect(!activity.isDue("tenant_a", counters: ["tenant_a": 5], now: t0 + .seconds(10)))
        #expect(activity.isDue("tenant_a", counters: ["tenant_a": 6], now: t0 + .seconds(10)))
        #expect(activity.isDue("tenant_a", counters: ["tenant_a": 5], now: t0 + .seconds(600)))
        #expect(activity.isDue("tenant_a", counters: nil, now: t0 + .seconds(10)))
    }

    @Test("a signal sent before the wait is kept; many signals count as one; the timeout still ends a wait")
    func wakeSignal() async {
        let signal = WakeSignal()
        signal.signal()
        signal.signal()
        let start = ContinuousClock.now
        await signal.wait(timeout: .seconds(30))
        #expect(ContinuousClock.now - start < .seconds(10))
        let again = ContinuousClock.now
        await signal.wait(timeout: .milliseconds(200))
        #expect(ContinuousClock.now - again >= .milliseconds(200))
    }
}
