import AtriumStorage
@testable import AtriumTrading
import Foundation
import Testing

/// A quiet platform connection is synced less and less often (doubling up to the maximum), and
/// goes back to the short interval when a pass finds deals or its brand shows activity.
@Suite("Platform sync backoff")
struct SyncBackoffTests {
    static let quiet = SyncPass(deals: 0, pages: 1, accountsRefreshed: 0, caughtUp: true, hasAccounts: false)
    static let busy = SyncPass(deals: 3, pages: 1, accountsRefreshed: 0, caughtUp: true, hasAccounts: true)

    struct Fixture {
        var schedule = SyncSchedule(interval: .seconds(5), maxInterval: .seconds(120))
        let handle = TenantHandle(id: UUID(), slug: "quiet", schema: SQLIdentifier("tenant_quiet")!, role: SQLIdentifier("r_quiet")!)
        var key: TradingSyncService.Key { TradingSyncService.Key(tenant: handle.id, connectionID: "mt5") }
        var now = ContinuousClock.now

        init() { schedule.add(key, tenant: handle, slug: handle.slug, due: now) }

        /// Runs one pass ending with `outcome` at `now`; returns the pause until the next pass.
        mutating func pass(_ outcome: TradingSyncService.Outcome) -> Duration {
            let started = schedule.start(now: now, slots: 4)
            #expect(started.map(\.0) == [key])
            schedule.finish(key, outcome, now: now)
            let pause = schedule.entries[key]!.due - now
            now = now + pause
            return pause
        }
    }

    @Test("quiet passes pause 10, 20, 40, 80, then 120 s (the maximum); a pass with deals goes back to 5 s")
    func quietConnectionBacksOff() {
        var f = Fixture()
        let pauses = (0..<6).map { _ in f.pass(.synced(Self.quiet, SyncMemo())) }
        #expect(pauses == [.seconds(10), .seconds(20), .seconds(40), .seconds(80), .seconds(120), .seconds(120)])
        #expect(f.pass(.synced(Self.busy, SyncMemo())) == .seconds(5))
        #expect(f.pass(.synced(Self.quiet, SyncMemo())) == .seconds(10))
    }

    @Test("activity on the brand makes a backed-off connection due at once and resets its interval; other brands keep theirs")
    func activityResets() {
        var f = Fixture()
        let other = TenantHandle(id: UUID(), slug: "other", schema: SQLIdentifier("tenant_other")!, role: SQLIdentifier("r_other")!)
        let otherKey = TradingSyncService.Key(tenant: other.id, connectionID: "mt5")
        let otherDue = f.now + .seconds(3600)
        f.schedule.add(otherKey, tenant: other, slug: other.slug, due: otherDue)
        for _ in 0..<4 { _ = f.pass(.synced(Self.quiet, SyncMemo())) }
        // The connection has backed off to 80 s and was just scheduled 80 s out.
        #expect(f.schedule.entries[f.key]!.due == f.now)
        let startedAt = f.now
        #expect(f.schedule.start(now: startedAt, slots: 4).map(\.0) == [f.key])
        f.schedule.finish(f.key, .synced(Self.quiet, SyncMemo()), now: startedAt)
        #expect(f.schedule.entries[f.key]!.due == startedAt + .seconds(120))
        let activityAt = startedAt + .seconds(7)
        f.schedule.wake(tenants: [f.handle.id], now: activityAt)
        #expect(f.schedule.nextDue() == activityAt)
        #expect(f.schedule.start(now: activityAt, slots: 4).map(\.0) == [f.key])
        #expect(f.schedule.entries[otherKey]!.due == otherDue)
        // Quiet again after the activity: the backoff starts over from the short interval.
        f.schedule.finish(f.key, .synced(Self.quiet, SyncMemo()), now: activityAt)
        #expect(f.schedule.entries[f.key]!.due == activityAt + .seconds(10))
    }

    @Test("a pass cut short (not caught up) is due again at once and keeps the short interval")
    func notCaughtUp() {
        var f = Fixture()
        for _ in 0..<3 { _ = f.pass(.synced(Self.quiet, SyncMemo())) }
        let at = f.now
        var partial = Self.quiet
        partial.caughtUp = false
        _ = f.schedule.start(now: at, slots: 1)
        f.schedule.finish(f.key, .synced(partial, SyncMemo()), now: at)
        #expect(f.schedule.entries[f.key]!.due == at)
        #expect(f.schedule.entries[f.key]!.interval == .seconds(5))
    }
}
