import AtriumBrandConfig
import AtriumCompliance
import Foundation
import Testing

/// Each built-in AML rule: a fixture that fires it (exact facts), one that must not, and a
/// parameter that changes the outcome.
@Suite("AML rules")
struct AMLRuleTests {
    let now = Date()
    func ago(days: Double = 0, hours: Double = 0) -> Date { now.addingTimeInterval(-(days * 86_400 + hours * 3_600)) }
    func lower(_ id: UUID) -> String { id.uuidString.lowercased() }

    @Test("1 deposit then withdrawal with little trading fires; enough trading, or a lower lot limit, does not")
    func depositWithdrawal() async throws {
        let f = try await AMLFixture.shared.value
        let rule = DepositWithdrawalNoTradingRule()
        let c = try await f.client("Pass Through")
        let d = try await f.payment(c, "deposit", 200_000, at: ago(hours: 48))
        try await f.deal(c, volume: 3_000, closedAt: ago(hours: 24))
        let w = try await f.payment(c, "withdrawal", 190_000, psp: "stripe", at: ago(hours: 1))
        #expect(try await f.findings(rule, c, now: now) == [AMLFinding(key: lower(w), facts: [
            "withdrawal_id": .text(lower(w)), "withdrawal_minor": .int(190_000), "currency": .text("USD"), "deposit_id": .text(lower(d)),
            "deposit_minor": .int(200_000), "hours_between": .int(47), "lots_traded_hundredths": .int(30), "max_lots_hundredths": .int(100),
        ])])
        #expect(try await f.findings(rule, c, config: f.brand(rule: rule.id, params: ["max_lots_hundredths": 10]), now: now).isEmpty)

        let trader = try await f.client("Real Trader")
        try await f.payment(trader, "deposit", 200_000, at: ago(hours: 48))
        try await f.deal(trader, volume: 20_000, closedAt: ago(hours: 24))
        try await f.payment(trader, "withdrawal", 190_000, at: ago(hours: 1))
        #expect(try await f.findings(rule, trader, now: now).isEmpty)
    }

    @Test("2 three deposits just under the threshold within the window fire; two do not; min_count 4 does not")
    func structuring() async throws {
        let f = try await AMLFixture.shared.value
        let rule = StructuringRule()
        let c = try await f.client("Small Steps")
        let a = try await f.payment(c, "deposit", 950_000, at: ago(hours: 30))
        let b = try await f.payment(c, "deposit", 980_000, at: ago(hours: 20))
        let d = try await f.payment(c, "deposit", 990_000, at: ago(hours: 10))
        try await f.payment(c, "deposit", 2_000_000, at: ago(hours: 5))
        #expect(try await f.findings(rule, c, now: now) == [AMLFinding(key: lower(a), facts: [
            "deposit_ids": .list([lower(a), lower(b), lower(d)]), "count": .int(3), "total_minor": .int(2_920_000),
            "threshold_minor": .int(1_000_000), "floor_minor": .int(900_000), "window_hours": .int(72),
        ])])
        #expect(try await f.findings(rule, c, config: f.brand(rule: rule.id, params: ["min_count": 4]), now: now).isEmpty)

        let calm = try await f.client("Two Steps")
        try await f.payment(calm, "deposit", 950_000, at: ago(hours: 30))
        try await f.payment(calm, "deposit", 500_000, at: ago(hours: 20))
        try await f.payment(calm, "deposit", 990_000, at: ago(hours: 10))
        #expect(try await f.findings(rule, calm, now: now).isEmpty)
    }

    @Test("3 card in, wire out fires; out by the same method does not")
    func methodSwitching() async throws {
        let f = try await AMLFixture.shared.value
        let rule = MethodSwitchingRule()
        let c = try await f.client("Card Wire")
        try await f.payment(c, "deposit", 50_000, psp: "stripe", at: ago(days: 5))
        let w = try await f.payment(c, "withdrawal", 40_000, psp: "bank_wire", at: ago(hours: 1))
        #expect(try await f.findings(rule, c, now: now) == [AMLFinding(key: lower(w), facts: [
            "withdrawal_id": .text(lower(w)), "withdrawal_method": .text("bank_wire"), "withdrawal_psp": .text("bank_wire"),
            "withdrawal_minor": .int(40_000), "currency": .text("USD"), "deposit_methods": .list(["stripe"]),
        ])])
        #expect(try await f.findings(rule, c, config: f.brand(rule: rule.id, params: ["window_days": 2]), now: now).isEmpty)

        let same = try await f.client("Card Card")
        try await f.payment(same, "deposit", 50_000, psp: "stripe", at: ago(days: 5))
        try await f.payment(same, "withdrawal", 40_000, psp: "stripe", at: ago(hours: 1))
        #expect(try await f.findings(rule, same, now: now).isEmpty)
    }

    @Test("4 a payer name other than the client's fires; the client's name in another order and case does not")
    func thirdPartyPayer() async throws {
        let f = try await AMLFixture.shared.value
        let rule = ThirdPartyPayerRule()
        let c = try await f.client("Anna Kowalska")
        let d = try await f.payment(c, "deposit", 75_000, at: ago(hours: 2), payer: "John Smith")
        try await f.payment(c, "deposit", 75_000, at: ago(hours: 1), payer: "KOWALSKA, Anna")
        #expect(try await f.findings(rule, c, now: now) == [AMLFinding(key: lower(d), facts: [
            "deposit_id": .text(lower(d)), "deposit_minor": .int(75_000), "currency": .text("USD"),
            "payer_name": .text("John Smith"), "client_name": .text("Anna Kowalska"),
        ])])
        #expect(try await f.findings(rule, c, config: f.brand(rule: rule.id, params: ["min_amount_minor": 100_000]), now: now).isEmpty)

        let own = try await f.client("José Núñez")
        try await f.payment(own, "deposit", 75_000, at: ago(hours: 1), payer: "JOSE NUNEZ")
        #expect(try await f.findings(rule, own, now: now).isEmpty)
    }

    @Test("5 three accounts on one IP fire; two do not; min_accounts 4 does not")
    func sharedIP() async throws {
        let f = try await AMLFixture.shared.value
        let rule = SharedIPRule()
        let tag = AMLFixture.tag()
        let ip = "10.\(Int.random(in: 1...250)).\(Int.random(in: 1...250)).\(Int.random(in: 1...250))-\(tag)"
        var clients: [UUID] = []
        for i in 0..<3 {
            let c = try await f.client("Farm \(i)")
            try await f.session(c, ip: ip, agent: "UA-\(tag)-\(i)")
            clients.append(c)
        }
        #expect(try await f.findings(rule, clients[0], now: now) == [AMLFinding(key: "ip:\(ip)", facts: [
            "shared_by": .text("ip"), "value": .text(ip), "accounts": .int(3), "clients": .list(clients.map(lower).sorted()),
        ])])
        #expect(try await f.findings(rule, clients[0], config: f.brand(rule: rule.id, params: ["min_accounts": 4]), now: now).isEmpty)

        let pairIP = "pair-\(tag)"
        let a = try await f.client("Pair A"), b = try await f.client("Pair B")
        try await f.session(a, ip: pairIP, agent: "UA-pair-a-\(tag)")
        try await f.session(b, ip: pairIP, agent: "UA-pair-b-\(tag)")
        #expect(try await f.findings(rule, a, now: now).isEmpty)
    }

    @Test("6 a large deposit from a high-risk country without proof of funds fires; with it, or from elsewhere, it does not")
    func highRiskDeposit() async throws {
        let f = try await AMLFixture.shared.value
        let rule = HighRiskDepositRule()
        let c = try await f.client("Risky Deposit", country: "NG")
        let d = try await f.payment(c, "deposit", 600_000, at: ago(hours: 1))
        try await f.payment(c, "deposit", 100_000, at: ago(hours: 1))
        #expect(try await f.findings(rule, c, now: now) == [AMLFinding(key: lower(d), facts: [
            "deposit_id": .text(lower(d)), "deposit_minor": .int(600_000), "currency": .text("USD"), "country": .text("NG"),
            "proof_of_funds": .text("missing"), "min_amount_minor": .int(500_000),
        ])])
        #expect(try await f.findings(rule, c, config: f.brand(rule: rule.id, params: ["min_amount_minor": 700_000]), now: now).isEmpty)

        let proven = try await f.client("Proven Funds", country: "NG")
        try await f.payment(proven, "deposit", 600_000, at: ago(hours: 1))
        try await f.document(proven, kind: "proof_of_funds")
        #expect(try await f.findings(rule, proven, now: now).isEmpty)
        let elsewhere = try await f.client("Safe Country", country: "FR")
        try await f.payment(elsewhere, "deposit", 600_000, at: ago(hours: 1))
        #expect(try await f.findings(rule, elsewhere, now: now).isEmpty)
    }

    @Test("7 a large movement after 299 quiet days fires; after a recent deposit it does not; dormant_days 300 does not")
    func dormant() async throws {
        let f = try await AMLFixture.shared.value
        let rule = DormantReactivationRule()
        let c = try await f.client("Sleeper", createdAt: ago(days: 400))
        try await f.payment(c, "deposit", 10_000, at: ago(days: 300))
        let big = try await f.payment(c, "deposit", 700_000, at: ago(days: 1))
        #expect(try await f.findings(rule, c, now: now) == [AMLFinding(key: lower(big), facts: [
            "payment_id": .text(lower(big)), "kind": .text("deposit"), "amount_minor": .int(700_000), "currency": .text("USD"),
            "days_dormant": .int(299), "dormant_days": .int(180),
        ])])
        #expect(try await f.findings(rule, c, config: f.brand(rule: rule.id, params: ["dormant_days": 300]), now: now).isEmpty)

        let active = try await f.client("Regular", createdAt: ago(days: 400))
        try await f.payment(active, "deposit", 10_000, at: ago(days: 30))
        try await f.payment(active, "deposit", 700_000, at: ago(days: 1))
        #expect(try await f.findings(rule, active, now: now).isEmpty)
    }

    @Test("8 three clients of one IB on one IP fire; when one of them belongs to another IB it does not")
    func referralCluster() async throws {
        let f = try await AMLFixture.shared.value
        let rule = ReferralClusterRule()
        let tag = AMLFixture.tag()
        var clients: [UUID] = []
        for i in 0..<3 {
            let c = try await f.client("Referred \(i)")
            try await f.session(c, ip: "ib-ip-\(tag)", agent: "UA-ib-\(tag)-\(i)")
            clients.append(c)
        }
        let partner = try await f.partner(clients: clients)
        let p = lower(partner)
        #expect(try await f.findings(rule, clients[1], now: now) == [AMLFinding(key: "\(p):ip:ib-ip-\(tag)", facts: [
            "partner_id": .text(p), "shared_by": .text("ip"), "value": .text("ib-ip-\(tag)"),
            "clients": .list(clients.map(lower).sorted()), "count": .int(3),
        ])])
        #expect(try await f.findings(rule, clients[1], config: f.brand(rule: rule.id, params: ["min_clients": 4]), now: now).isEmpty)

        var mixed: [UUID] = []
        for i in 0..<3 {
            let c = try await f.client("Mixed \(i)")
            try await f.session(c, ip: "mixed-ip-\(tag)", agent: "UA-mixed-\(tag)-\(i)")
            mixed.append(c)
        }
        _ = try await f.partner(clients: Array(mixed.prefix(2)))
        _ = try await f.partner(clients: [mixed[2]])
        #expect(try await f.findings(rule, mixed[0], now: now).isEmpty)
    }
}
