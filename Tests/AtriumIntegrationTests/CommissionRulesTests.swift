import AtriumHTTP
import AtriumPartners
import Foundation
import Testing

@Suite("Commission engine rules", .timeLimit(.minutes(5)))
struct CommissionRulesTests {
    static let t0 = CommissionFixture.t0
    static let hour: Int64 = 3_600_000
    static let lot = CommissionFixture.lot

    @Test("a plan change mid-period pays earlier deals under v1 and later ones under v2; CPA is paid once, at the qualifying deal")
    func planChangeAndCPA() async throws {
        try await TestEnv.with("commissioncpa") { s in
            // setup: C ← D, plan v1 (forex 5.00/1.00, CPA 100.00/20.00) then v2 from t0 + 3 days (forex 8.00/1.00, CPA 200.00/40.00)
            let f = try await CommissionFixture.make(s)
            let c = try await f.partner("c@ib.test")
            let d = try await f.partner("d@ib.test", parent: c)
            func body(_ rebate: Int64, _ cpa: Int64) -> CommissionPlan {
                CommissionPlan(currency: "USD", levels: 2, rebates: [.init(symbolGroup: "forex", perLotMinor: [rebate, 100])],
                               cpa: .init(perLevelMinor: [cpa, cpa / 5], minFirstDepositMinor: 10_000, minLotsExt: Self.lot, withinDays: 30))
            }
            let (plan, v) = try await f.plan("CPA", versions: [(body(500, 10_000), Self.t0 - 86_400_000), (body(800, 20_000), Self.t0 + 3 * 86_400_000)])
            try await f.assign(d, plan: plan)
            let k1 = try await f.client("k1@x.test", login: "2001")
            let k2 = try await f.client("k2@x.test", login: "2002")
            try await f.attribute(k1, to: d)
            try await f.attribute(k2, to: d)
            try await f.deposit(k1, amount: 20_000, at: Self.t0 - Self.hour)
            try await f.deposit(k2, amount: 5_000, at: Self.t0 - Self.hour)   // under the 100.00 minimum: never qualifies
            // k1 closes 0.50 lot (0.50 in total), then 0.60 (1.10: qualifies at deal 21), then 1.00 after the change
            try await f.roundTrip(1, login: "2001", symbol: "EURUSD", lotsHundredths: 50, at: Self.t0)
            try await f.roundTrip(2, login: "2001", symbol: "EURUSD", lotsHundredths: 60, at: Self.t0 + Self.hour)
            try await f.roundTrip(3, login: "2001", symbol: "EURUSD", lotsHundredths: 100, at: Self.t0 + 4 * 86_400_000)
            try await f.roundTrip(4, login: "2002", symbol: "EURUSD", lotsHundredths: 200, at: Self.t0 + 2 * Self.hour)
            // MUT
            try await f.engine.runUntilCaughtUp(tenant: f.handle, brand: f.brand)
            // validate
            let lines = try await f.lines()
            let cpa = lines.filter { $0.component == "cpa" }
            #expect(cpa.count == 2)
            #expect(cpa.allSatisfy { $0.deal == 21 && $0.planVersion == v[0] && $0.kind == "accrual" })
            #expect(cpa.first { $0.partner == d }?.amount == 10_000)
            #expect(cpa.first { $0.partner == c }?.amount == 2_000)
            // D: 0.50 × 5.00 + 0.60 × 5.00 + 1.00 × 8.00 (v2) + 2.00 × 5.00 = 250 + 300 + 800 + 1000
            #expect(try await f.total(d, "rebate") == 2_350)
            // C: 0.50 + 0.60 + 1.00 + 2.00 lots × 1.00 = 410
            #expect(try await f.total(c, "rebate") == 410)
            #expect(lines.first { $0.deal == 31 && $0.partner == d }?.planVersion == v[1])
            #expect(lines.first { $0.deal == 21 && $0.partner == d && $0.component == "rebate" }?.planVersion == v[0])
            // a replay of every deal pays CPA no second time
            try await f.sql("UPDATE commission_progress SET last_seq = 0")
            #expect(try await f.engine.runUntilCaughtUp(tenant: f.handle, brand: f.brand).linesWritten == 0)
        }
    }

    @Test("minimum hold time from the position's IN deal excludes a quick close; INOUT pays its closing part; OUT_BY pays as a close")
    func holdTimeInoutOutBy() async throws {
        try await TestEnv.with("commissionhold") { s in
            // setup: D on forex 5.00/lot, pay on close, 60 s minimum hold
            let f = try await CommissionFixture.make(s)
            let d = try await f.partner("d@ib.test")
            let (plan, _) = try await f.plan("Hold", versions: [(CommissionPlan(currency: "USD", payOn: .close, minHoldSeconds: 60, levels: 1,
                                                                                rebates: [.init(symbolGroup: "forex", perLotMinor: [500])]), Self.t0 - 86_400_000)])
            try await f.assign(d, plan: plan)
            try await f.attribute(try await f.client("h@x.test", login: "3001"), to: d)
            let t = Self.t0
            // position 1 closed after 30 s: excluded; position 2 after exactly 60 s: paid
            try await f.deal(10, login: "3001", position: 1, entry: "in", symbol: "EURUSD", volume: Self.lot, at: t)
            try await f.deal(11, login: "3001", position: 1, entry: "out", symbol: "EURUSD", volume: Self.lot, at: t + 30_000)
            try await f.deal(20, login: "3001", position: 2, entry: "in", symbol: "EURUSD", volume: Self.lot, at: t + Self.hour)
            try await f.deal(21, login: "3001", position: 2, entry: "out", symbol: "EURUSD", volume: Self.lot, at: t + Self.hour + 60_000)
            // position 3 (netting): IN 1 lot, INOUT 3 lots closing 1 (reverses to 2 lots short), OUT 2 lots
            try await f.deal(30, login: "3001", position: 3, entry: "in", symbol: "EURUSD", volume: Self.lot, at: t + 2 * Self.hour)
            try await f.deal(31, login: "3001", position: 3, entry: "inout", symbol: "EURUSD", volume: 3 * Self.lot, closed: Self.lot, at: t + 2 * Self.hour + 300_000)
            try await f.deal(32, login: "3001", position: 3, entry: "out", symbol: "EURUSD", volume: 2 * Self.lot, at: t + 2 * Self.hour + 600_000)
            // positions 4 and 5 closed by each other after 2 minutes; position 6 closed by after 10 s
            try await f.deal(40, login: "3001", position: 4, entry: "in", symbol: "EURUSD", volume: Self.lot / 2, at: t + 3 * Self.hour)
            try await f.deal(50, login: "3001", position: 5, entry: "in", symbol: "EURUSD", volume: Self.lot / 2, at: t + 3 * Self.hour)
            try await f.deal(41, login: "3001", position: 4, entry: "out_by", symbol: "EURUSD", volume: Self.lot / 2, at: t + 3 * Self.hour + 120_000)
            try await f.deal(51, login: "3001", position: 5, entry: "out_by", symbol: "EURUSD", volume: Self.lot / 2, at: t + 3 * Self.hour + 120_000)
            try await f.deal(60, login: "3001", position: 6, entry: "in", symbol: "EURUSD", volume: Self.lot, at: t + 4 * Self.hour)
            try await f.deal(61, login: "3001", position: 6, entry: "out_by", symbol: "EURUSD", volume: Self.lot, at: t + 4 * Self.hour + 10_000)
            // MUT
            try await f.engine.runUntilCaughtUp(tenant: f.handle, brand: f.brand)
            // validate
            let lines = try await f.lines()
            let amounts = Dictionary(uniqueKeysWithValues: lines.map { ($0.deal, $0.amount) })
            // 21: 1 lot = 500; 31: closing part 1 lot = 500; 32: 2 lots = 1000; 41, 51: 0.5 lot = 250 each
            #expect(amounts == [11: 0, 21: 500, 31: 500, 32: 1000, 41: 250, 51: 250, 61: 0])
            #expect(lines.filter { $0.excluded == "hold_time" }.map(\.deal).sorted() == [11, 61])
            #expect(lines.first { $0.deal == 11 }?.lots == Self.lot)
            #expect(lines.first { $0.deal == 31 }?.lots == Self.lot)
            #expect(try await f.total(d) == 2_500)
        }
    }

    @Test("a corrected deal reverses the previous revision's lines and accrues anew; a cancelled deal is reversed; nothing is updated")
    func correctionAndCancellation() async throws {
        try await TestEnv.with("commissionfix") { s in
            // setup: D on forex 5.00/lot; position 1 closed 1 lot
            let f = try await CommissionFixture.make(s)
            let d = try await f.partner("d@ib.test")
            let (plan, _) = try await f.plan("Fix", versions: [(CommissionPlan(currency: "USD", levels: 1, rebates: [.init(symbolGroup: "forex", perLotMinor: [500])]),
                                                               Self.t0 - 86_400_000)])
            try await f.assign(d, plan: plan)
            try await f.attribute(try await f.client("r@x.test", login: "4001"), to: d)
            try await f.roundTrip(1, login: "4001", symbol: "EURUSD", lotsHundredths: 100, at: Self.t0)
            try await f.engine.runUntilCaughtUp(tenant: f.handle, brand: f.brand)
            #expect(try await f.total(d) == 500)
            let original = try #require(try await f.lines().first)
            // MUT: the platform corrected the OUT deal to 2 lots (revision 2, new seq) …
            try await f.sql("""
                UPDATE platform_deals SET volume_ext = 200000000, closed_volume_ext = 200000000, revision = 2, status = 'corrected',
                       seq = nextval('platform_deals_seq') WHERE deal = 11
                """)
            try await f.engine.runUntilCaughtUp(tenant: f.handle, brand: f.brand)
            // validate: the 500 stays, a reversal of -500 points at it, and revision 2 accrues 1000
            var lines = try await f.lines()
            #expect(lines.map { "\($0.revision) \($0.kind) \($0.amount)" } == ["1 accrual 500", "1 reversal -500", "2 accrual 1000"])
            #expect(lines[1].corrects == original.id)
            #expect(lines[1].lots == -Self.lot)
            #expect(try await f.total(d) == 1_000)
            // MUT: … and then removed it
            try await f.sql("UPDATE platform_deals SET status = 'cancelled', revision = 3, seq = nextval('platform_deals_seq') WHERE deal = 11")
            try await f.engine.runUntilCaughtUp(tenant: f.handle, brand: f.brand)
            lines = try await f.lines()
            #expect(lines.map { "\($0.revision) \($0.kind) \($0.amount)" } == ["1 accrual 500", "1 reversal -500", "2 accrual 1000", "2 reversal -1000"])
            #expect(try await f.total(d) == 0)
            // a replay adds nothing
            try await f.sql("UPDATE commission_progress SET last_seq = 0")
            #expect(try await f.engine.runUntilCaughtUp(tenant: f.handle, brand: f.brand).linesWritten == 0)
        }
    }

    @Test("deals on a demo account earn nothing: virtual money pays no commission")
    func demoAccountsEarnNothing() async throws {
        try await TestEnv.with("commissiondemo") { s in
            // setup: D on forex 5.00/lot; one live and one demo account of the same client
            let f = try await CommissionFixture.make(s)
            let d = try await f.partner("d@ib.test")
            let (plan, _) = try await f.plan("Demo", versions: [(CommissionPlan(currency: "USD", levels: 1, rebates: [.init(symbolGroup: "forex", perLotMinor: [500])]),
                                                                Self.t0 - 86_400_000)])
            try await f.assign(d, plan: plan)
            let client = try await f.client("r@x.test", login: "5001")
            try await f.attribute(client, to: d)
            try await f.sql("""
                INSERT INTO trading_accounts (user_id, connection_id, login, kind, account_type, platform_group, currency, leverage, idempotency_key)
                VALUES (\(client), 'mt5-live', '5002', 'demo', 'standard', 'demo', 'USD', 100, 'demo-5002')
                """)
            try await f.roundTrip(1, login: "5001", symbol: "EURUSD", lotsHundredths: 100, at: Self.t0)
            try await f.roundTrip(2, login: "5002", symbol: "EURUSD", lotsHundredths: 300, at: Self.t0)
            // MUT
            try await f.engine.runUntilCaughtUp(tenant: f.handle, brand: f.brand)
            // validate: only the live account's 1 lot pays
            #expect(try await f.total(d) == 500)
            #expect(try await f.lines().map(\.deal) == [11])
        }
    }

    @Test("a Kite IB gets no line from Aurora deals, even on the same connection and login")
    func crossTenant() async throws {
        try await TestEnv.with("commissionx") { s in
            // setup: Aurora with the 40-deal fixture; Kite with one IB whose client trades login 1001 too
            let aurora = try await FortyDeals.make(s)
            let kite = try await CommissionFixture.make(s)
            let k = try await kite.partner("k@ib.test")
            let (plan, _) = try await kite.plan("Kite", versions: [(CommissionPlan(currency: "USD", levels: 1, rebates: [.init(symbolGroup: "forex", perLotMinor: [500])]),
                                                                   Self.t0 - 86_400_000)])
            try await kite.assign(k, plan: plan)
            try await kite.attribute(try await kite.client("kc@x.test", login: "1001"), to: k)
            try await kite.roundTrip(99, login: "1001", symbol: "EURUSD", lotsHundredths: 100, at: Self.t0)
            // MUT
            try await aurora.f.engine.runUntilCaughtUp(tenant: aurora.f.handle, brand: aurora.f.brand)
            try await kite.engine.runUntilCaughtUp(tenant: kite.handle, brand: kite.brand)
            // validate
            let kiteLines = try await kite.lines()
            #expect(kiteLines.map(\.deal) == [991])
            #expect(try await kite.total(k) == 500)
            #expect(try await aurora.f.lines().allSatisfy { $0.partner != k })
            #expect(try await aurora.f.total(aurora.d) == 3840)
        }
    }

    @Test("recalculate previews the difference under today's data, then writes adjustment lines once and never changes a line")
    func recalculate() async throws {
        try await TestEnv.with("commissionrc") { s in
            // setup: the 40-deal fixture paid; then c4 is attributed to D after the fact, and a v2 raising forex L1 to 6.00 is
            // published effective before the deals
            let x = try await FortyDeals.make(s)
            try await x.f.engine.runUntilCaughtUp(tenant: x.f.handle, brand: x.f.brand)
            let before = try await x.f.lines()
            let c4 = try await s.tenantDB.transaction(x.f.handle) { tx in
                try await tx.query("SELECT id FROM users WHERE email = 'c4@x.test'").collect()[0].decode(UUID.self)
            }
            try await x.f.attribute(c4, to: x.d)
            var v2 = FortyDeals.planBody
            v2.rebates[0].perLotMinor = [600, 100, 50, 25]
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let body = String(decoding: try encoder.encode(v2), as: UTF8.self)
            try await x.f.sql("""
                INSERT INTO commission_plan_versions (plan_id, version, body, effective_from, status, published_at)
                VALUES (\(x.plan), 2, \(body)::jsonb, to_timestamp(\((Self.t0 - 43_200_000) / 1000)), 'published', now())
                """)
            // the 20 positions run from 10:00 on 2 November into 3 November (one an hour)
            let window = try CommissionWindow.parse(from: "2026-11-02", to: "2026-11-03")
            // MUT: dry run
            let preview = try await x.f.engine.recalculate(tenant: x.f.handle, brand: x.f.brand, from: window.from, to: window.until, write: false)
            // validate: D +1.00/lot on c1's forex (1.00 + 0.37 + 0.10 + 0.01 lots = 100 + 37 + 10 + 1 = 148);
            // C +1.00/lot as level 1 of c3's forex (1.00 + 0.45 lots = 100 + 45 = 145);
            // c4 newly attributed: EURUSD 5 lots and XAUUSD 1 lot → D 3000 + 800, C 500 + 200, B 250 + 100, A 112 (112.5) + 45 EUR;
            // its commissions 35.00 and 7.00 → D 10 %: 350 + 70, C 5 %: 175 + 35
            func sum(_ p: UUID) -> Int64 { preview.differences.filter { $0.partnerID == p }.reduce(0) { $0 + $1.difference } }
            #expect(sum(x.d) == 148 + 3_800 + 420)
            #expect(sum(x.c) == 145 + 700 + 210)
            #expect(sum(x.b) == 350)
            #expect(sum(x.a) == 157)
            #expect(preview.runID == nil)
            #expect(try await x.f.lines().count == before.count)
            // MUT: write
            let run = try await x.f.engine.recalculate(tenant: x.f.handle, brand: x.f.brand, from: window.from, to: window.until, write: true)
            // validate
            #expect(run.differences == preview.differences)
            let after = try await x.f.lines()
            #expect(after.count == before.count + run.linesWritten)
            let adjustments = after.filter { $0.kind == "adjustment" }
            #expect(adjustments.count == 6)   // c1's four forex deals (D, level 1) and c3's two (C, level 1)
            #expect(adjustments.allSatisfy { $0.runID == run.runID && $0.corrects != nil && $0.level == 1 })
            #expect(adjustments.filter { $0.partner == x.d }.map(\.amount).sorted() == [1, 10, 37, 100])
            #expect(adjustments.filter { $0.partner == x.c }.map(\.amount).sorted() == [45, 100])
            #expect(try await x.f.total(x.d) == 3_840 + 4_368)
            #expect(try await x.f.total(x.a) == 183 + 157)
            #expect(try await x.f.total(x.c) == 2_363 + 1_055)
            // the lines written before are unchanged, and a second run finds nothing
            #expect(after.prefix(before.count).map(\.amount) == before.map(\.amount))
            let again = try await x.f.engine.recalculate(tenant: x.f.handle, brand: x.f.brand, from: window.from, to: window.until, write: true)
            #expect(again.differences.isEmpty)
            #expect(again.linesWritten == 0)
        }
    }
    @Test("the IB's own trading account earns nothing at its level (marked own_account); its parent still earns")
    func ownAccount() async throws {
        try await TestEnv.with("commissionown") { s in
            // setup: D trades on its own account 5001 and is attributed to itself, under C
            let f = try await CommissionFixture.make(s)
            let trader = try await f.client("self@x.test", login: "5001")
            let c = try await f.partner("c@ib.test")
            let d = try await f.partner("d@ib.test", parent: c, trader: trader)
            let (plan, _) = try await f.plan("Own", versions: [(CommissionPlan(currency: "USD", levels: 2, rebates: [.init(symbolGroup: "forex", perLotMinor: [500, 100])]),
                                                               Self.t0 - 86_400_000)])
            try await f.assign(d, plan: plan)
            try await f.attribute(trader, to: d)
            try await f.roundTrip(1, login: "5001", symbol: "EURUSD", lotsHundredths: 100, at: Self.t0)
            // MUT
            try await f.engine.runUntilCaughtUp(tenant: f.handle, brand: f.brand)
            // validate
            let lines = try await f.lines()
            #expect(lines.count == 2)
            #expect(lines.first { $0.partner == d }.map { "\($0.amount) \($0.excluded ?? "-")" } == "0 own_account")
            #expect(lines.first { $0.partner == c }.map { "\($0.amount) \($0.excluded ?? "-")" } == "100 -")
        }
    }
}
