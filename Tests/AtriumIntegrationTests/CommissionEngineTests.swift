import AtriumHTTP
import AtriumPartners
import Foundation
import Testing

/// The 40-deal fixture: a 4-level tree A ← B ← C ← D, four clients, five symbols, three account
/// types and two currencies, with every IB's commission worked out by hand below.
struct FortyDeals {
    let f: CommissionFixture
    let a: UUID, b: UUID, c: UUID, d: UUID
    let plan: UUID
    let version: UUID

    /// Plan (USD, pay on close, 4 levels): forex 5.00/1.00/0.50/0.25 per lot, metals 8.00/2.00/1.00/0.50,
    /// indices 2.00 (level 1), crypto nothing; the `raw` account type has its own forex rebate
    /// 3.00/1.00; revenue share of the client's commission 10 % (L1) and 5 % (L2).
    static let planBody = CommissionPlan(
        currency: "USD", payOn: .close, levels: 4,
        rebates: [.init(symbolGroup: "forex", perLotMinor: [500, 100, 50, 25]), .init(symbolGroup: "metals", perLotMinor: [800, 200, 100, 50]),
                  .init(symbolGroup: "indices", perLotMinor: [200]), .init(symbolGroup: "forex", accountType: "raw", perLotMinor: [300, 100])],
        revenueShare: .init(commissionBps: [1000, 500]))

    static func make(_ s: AppServices, file: String = "aurora") async throws -> FortyDeals {
        let f = try await CommissionFixture.make(s, file: file)
        // A (top, EUR wallet) ← B ← C ← D; wallets of B, C, D in USD
        let a = try await f.partner("a@ib.test", wallet: "EUR")
        let b = try await f.partner("b@ib.test", parent: a)
        let c = try await f.partner("c@ib.test", parent: b)
        let d = try await f.partner("d@ib.test", parent: c)
        let (plan, versions) = try await f.plan("Hybrid \(file)", versions: [(planBody, CommissionFixture.t0 - 86_400_000)])
        try await f.assign(c, plan: plan)
        try await f.assign(d, plan: plan)
        try await f.fx("USD", "EUR", "0.9")
        try await f.fx("EUR", "USD", "1.1")
        // c1 standard USD and c2 raw USD belong to D (chain D, C, B, A); c3 standard-eur EUR to C (chain C, B, A); c4 to nobody
        let c1 = try await f.client("c1@x.test", login: "1001")
        let c2 = try await f.client("c2@x.test", login: "1002", type: "raw")
        let c3 = try await f.client("c3@x.test", login: "1003", type: "standard-eur", currency: "EUR")
        _ = try await f.client("c4@x.test", login: "1004")
        try await f.attribute(c1, to: d)
        try await f.attribute(c2, to: d)
        try await f.attribute(c3, to: c)
        // 20 positions = 40 deals, one an hour; commission 7.00 per lot charged on the IN deal
        let trips: [(String, String, Int64)] = [
            ("1001", "EURUSD", 100), ("1001", "EURUSD", 37), ("1001", "XAUUSD", 50), ("1001", "US30", 200), ("1001", "BTCUSD", 100),
            ("1001", "GBPUSD", 10), ("1002", "EURUSD", 200), ("1002", "XAUUSD", 100), ("1002", "GBPUSD", 25), ("1003", "EURUSD", 100),
            ("1003", "XAUUSD", 20), ("1003", "US30", 100), ("1004", "EURUSD", 500), ("1004", "XAUUSD", 100), ("1001", "EURUSD", 1),
            ("1001", "XAUUSD", 3), ("1002", "EURUSD", 50), ("1002", "US30", 15), ("1003", "GBPUSD", 45), ("1003", "BTCUSD", 50),
        ]
        for (i, (login, symbol, lots)) in trips.enumerated() {
            try await f.roundTrip(Int64(i + 1), login: login, symbol: symbol, lotsHundredths: lots, currency: login == "1003" ? "EUR" : "USD",
                                  at: CommissionFixture.t0 + Int64(i) * 3_600_000)
        }
        return FortyDeals(f: f, a: a, b: b, c: c, d: d, plan: plan, version: versions[0])
    }

    // Rebates (amount = lots × rate, truncated once per line; A's in EUR at USD→EUR 0.9):
    //  c1 (D L1, C L2, B L3, A L4)
    //   EURUSD 1.00  D 500   C 100  B 50         A 1.00×0.25×0.9 = 0.225 → 22 (cents)
    //   EURUSD 0.37  D 185   C 37   B 18.5 → 18  A 0.37×25×0.9 = 8.325 → 8
    //   XAUUSD 0.50  D 400   C 100  B 50         A 0.5×50×0.9 = 22.5 → 22
    //   US30   2.00  D 400 (indices pay level 1 only)
    //   BTCUSD 1.00  nothing (crypto not in the plan)
    //   GBPUSD 0.10  D 50    C 10   B 5          A 0.1×25×0.9 = 2.25 → 2
    //   EURUSD 0.01  D 5     C 1    B 0.5 → 0    A 0.225 → 0
    //   XAUUSD 0.03  D 24    C 6    B 3          A 0.03×50×0.9 = 1.35 → 1
    //   → D 1564, C 254, B 126, A 55 EUR
    //  c2 raw (forex 3.00/1.00 at L1/L2 only; metals and indices as the group)
    //   EURUSD 2.00  D 600  C 200;  XAUUSD 1.00  D 800  C 200  B 100  A 50×0.9 = 45
    //   GBPUSD 0.25  D 75   C 25;   EURUSD 0.50  D 150  C 50;  US30 0.15  D 30
    //   → D 1655, C 475, B 100, A 45 EUR
    //  c3 (C L1, B L2, A L3)
    //   EURUSD 1.00  C 500  B 100  A 50×0.9 = 45;  XAUUSD 0.20  C 160  B 40  A 0.2×100×0.9 = 18
    //   US30 1.00  C 200;  GBPUSD 0.45  C 225  B 45  A 0.45×50×0.9 = 20.25 → 20;  BTCUSD nothing
    //   → C 1085, B 185, A 83 EUR
    static let rebates: (d: Int64, c: Int64, b: Int64, a: Int64) = (1564 + 1655, 254 + 475 + 1085, 126 + 100 + 185, 55 + 45 + 83)

    // Revenue share of commission (7.00/lot on each IN deal, 10 % L1, 5 % L2):
    //  c1 commissions 700, 259, 350, 1400, 700, 70, 7, 21 (USD cents)
    //   D 10 %: 70 + 25 + 35 + 140 + 70 + 7 + 0 + 2 = 349;  C 5 %: 35 + 12 + 17 + 70 + 35 + 3 + 0 + 1 = 173
    //  c2 commissions 1400, 700, 175, 350, 105
    //   D 10 %: 140 + 70 + 17 + 35 + 10 = 272;  C 5 %: 70 + 35 + 8 + 17 + 5 = 135
    //  c3 commissions in EUR 700, 140, 700, 315, 350, converted at EUR→USD 1.1
    //   C 10 %: 77 + 15 (15.4) + 77 + 34 (34.65) + 38 (38.5) = 241;  B 5 %: 38 (38.5) + 7 (7.7) + 38 + 17 (17.325) + 19 (19.25) = 119
    static let shares: (d: Int64, c: Int64, b: Int64) = (349 + 272, 173 + 135 + 241, 119)
}

@Suite("Commission engine", .timeLimit(.minutes(5)))
struct CommissionEngineTests {
    @Test("40 deals over a 4-level tree pay each IB the hand-computed amount; a rerun adds no line")
    func fortyDeals() async throws {
        try await TestEnv.with("commission40") { s in
            // setup
            let x = try await FortyDeals.make(s)
            // MUT
            let pass = try await x.f.engine.runUntilCaughtUp(tenant: x.f.handle, brand: x.f.brand)
            // validate
            #expect(pass.deals == 40)
            #expect(try await x.f.total(x.d, "rebate") == FortyDeals.rebates.d)
            #expect(try await x.f.total(x.c, "rebate") == FortyDeals.rebates.c)
            #expect(try await x.f.total(x.b, "rebate") == FortyDeals.rebates.b)
            #expect(try await x.f.total(x.a, "rebate") == FortyDeals.rebates.a)
            #expect(try await x.f.total(x.d, "revshare_commission") == FortyDeals.shares.d)
            #expect(try await x.f.total(x.c, "revshare_commission") == FortyDeals.shares.c)
            #expect(try await x.f.total(x.b, "revshare_commission") == FortyDeals.shares.b)
            #expect(try await x.f.total(x.a, "revshare_commission") == 0)
            // D 3219 + 621 = 3840; C 1814 + 549 = 2363; B 411 + 119 = 530 (USD cents); A 183 EUR cents
            #expect(try await x.f.total(x.d) == 3840)
            #expect(try await x.f.total(x.c) == 2363)
            #expect(try await x.f.total(x.b) == 530)
            #expect(try await x.f.total(x.a) == 183)
            let lines = try await x.f.lines()
            #expect(lines.allSatisfy { $0.kind == "accrual" && $0.planVersion == x.version && $0.excluded == nil })
            #expect(Set(lines.filter { $0.partner == x.a }.map(\.currency)) == ["EUR"])
            #expect(lines.count == pass.linesWritten)
            // rerun: the cursor is at the end, and replaying from 0 adds nothing either
            #expect(try await x.f.engine.runUntilCaughtUp(tenant: x.f.handle, brand: x.f.brand).linesWritten == 0)
            try await x.f.sql("UPDATE commission_progress SET last_seq = 0")
            let replay = try await x.f.engine.runUntilCaughtUp(tenant: x.f.handle, brand: x.f.brand)
            #expect(replay.deals == 40)
            #expect(replay.linesWritten == 0)
            #expect(try await x.f.lines().count == lines.count)
        }
    }

    @Test("two concurrent workers write each line exactly once")
    func concurrentWorkers() async throws {
        try await TestEnv.with("commission2w") { s in
            // setup
            let x = try await FortyDeals.make(s)
            let one = CommissionEngine(tenantDB: s.tenantDB, batchSize: 3)
            let two = CommissionEngine(tenantDB: s.tenantDB, batchSize: 4)
            // MUT
            async let p1 = one.runUntilCaughtUp(tenant: x.f.handle, brand: x.f.brand)
            async let p2 = two.runUntilCaughtUp(tenant: x.f.handle, brand: x.f.brand)
            let (r1, r2) = try await (p1, p2)
            // validate
            #expect(r1.deals + r2.deals == 40)
            let lines = try await x.f.lines()
            #expect(lines.count == r1.linesWritten + r2.linesWritten)
            let keys = Set(lines.map { "\($0.deal)|\($0.partner)|\($0.level)|\($0.component)|\($0.kind)" })
            #expect(keys.count == lines.count)
            #expect(try await x.f.total(x.d) == 3840)
            #expect(try await x.f.total(x.c) == 2363)
            #expect(try await x.f.total(x.b) == 530)
            #expect(try await x.f.total(x.a) == 183)
        }
    }

    @Test("preview of a draft shows what the window would have paid next to what it paid; nothing is written")
    func preview() async throws {
        try await TestEnv.with("commissionpv") { s in
            // setup
            let x = try await FortyDeals.make(s)
            try await x.f.engine.runUntilCaughtUp(tenant: x.f.handle, brand: x.f.brand)
            let before = try await x.f.lines().count
            let draft = CommissionPlan(currency: "USD", levels: 2, rebates: [.init(symbolGroup: "forex", perLotMinor: [1000, 100])])
            // MUT
            let p = try await x.f.engine.preview(tenant: x.f.handle, brand: x.f.brand, draft: draft, partner: x.d,
                                                 from: CommissionFixture.at(CommissionFixture.t0), to: CommissionFixture.at(CommissionFixture.t0 + 86_400_000))
            // validate: D's clients c1 and c2 only (26 deals); forex lots closed 1.00 + 0.37 + 0.10 + 0.01 + 2.00 + 0.25 + 0.50 = 4.23
            #expect(p.deals == 26)
            let dRebate = try #require(p.rows.first { $0.partnerID == x.d && $0.component == .rebate })
            #expect(dRebate.draftAmount == 4230)   // 10.00/lot: 1000 + 370 + 100 + 10 + 2000 + 250 + 500
            #expect(dRebate.currentAmount == 3219)
            #expect(dRebate.draftLotsExt == 423_000_000)
            #expect(p.rows.first { $0.partnerID == x.c && $0.component == .rebate }?.draftAmount == 423)
            #expect(p.rows.first { $0.partnerID == x.d && $0.component == .revshareCommission }?.draftAmount == 0)
            #expect(p.rows.first { $0.partnerID == x.d && $0.component == .revshareCommission }?.currentAmount == 621)
            #expect(try await x.f.lines().count == before)
        }
    }
}
