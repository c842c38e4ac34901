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
    static func handle(_ id: String) -> TenantHandle {
        TenantHandle(id: UUID(), slug: "b\(id)", schema: SQLIdentifier("tenant_b\(id)")!, role: SQLIdentifier("r_b\(id)")!)
    }

    @Test("the scheduler starts the most overdue connections first, never more than the free slots, never a running one")
    func pickMostOverdue() {
        let now = ContinuousClock.now
        var schedule = SyncSchedule(interval: .seconds(5), maxInterval: .seconds(120))
        for (id, offset) in [("c", -5), ("a", -1), ("b", -9), ("d", 3), ("e", -4)] {
            let h = Self.handle(id)
            schedule.add(TradingSyncService.Key(tenant: h.id, connectionID: id), tenant: h, slug: h.slug, due: now + .seconds(offset))
        }
        #expect(schedule.start(now: now - .seconds(5), slots: 1).map(\.0.connectionID) == ["b"])
        #expect(schedule.start(now: now - .seconds(5), slots: 1).map(\.0.connectionID) == ["c"])  // "c" is running now
        #expect(schedule.start(now: now, slots: 2).map(\.0.connectionID) == ["e", "a"])
        #expect(schedule.start(now: now, slots: 5).isEmpty)
        #expect(schedule.running == 4)
        #expect(schedule.nextDue() == now + .seconds(3))
        #expect(schedule.start(now: now + .seconds(3), slots: 0).isEmpty)
        #expect(schedule.start(now: now + .seconds(3), slots: 1).map(\.0.connectionID) == ["d"])
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

    @Test("a pass runs a due tenant's body once and records it; a body that throws leaves the tenant due; no activity means always due")
    func activityPass() async throws {
        struct Failed: Error {}
        let db = Database(url: try DatabaseURL(parsing: "postgres://u@127.0.0.1:1/x"), poolSize: 1, logger: Logger(label: "t"))
        let activity = TableActivity(database: db, tables: ["payments"])
        let pass = ActivityPass(activity, counters: ["tenant_a": 5, "tenant_b": 7])
        #expect(await pass.ifDue("tenant_a") { 42 } == 42)
        #expect(await pass.ifDue("tenant_a") { 43 } == nil)  // recorded with counter 5: skipped
        await #expect(throws: Failed.self) { try await pass.ifDue("tenant_b") { throw Failed() } }
        #expect(pass.isDue("tenant_b"))  // the failed run was not recorded
        #expect(await ActivityPass(activity, counters: ["tenant_a": 6]).ifDue("tenant_a") { 44 } == 44)
        let ungated = ActivityPass(nil, counters: nil)
        #expect(await ungated.ifDue("tenant_a") { 1 } == 1)
        #expect(await ungated.ifDue("tenant_a") { 2 } == 2)
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
