import Testing

@testable import AtriumHTTP

@Suite("Demo history generator", .timeLimit(.minutes(1)))
struct DemoRandomTests {
    static func plans(_ slug: String, _ count: Int) -> [String] {
        var rng = DemoRandom(seed: "atrium-demo-history:\(slug)")
        return (1...count).map { i in
            let p = DemoClientPlan(index: i, slug: slug, rng: &rng)
            return "\(p.email) \(p.name) \(p.country) \(p.registeredAgo) \(p.kyc) \(p.deposits.map(\.amount)) \(p.withdrawPercent) \(p.stage) \(p.assigned)"
        }
    }

    @Test("the same slug draws the same 60 client stories every time; another slug draws others")
    func deterministic() {
        let a = Self.plans("aurora", 60)
        #expect(a == Self.plans("aurora", 60))
        #expect(a.first?.hasPrefix("demo-001@aurora.test ") == true)
        #expect(a.last?.hasPrefix("demo-060@aurora.test ") == true)
        let kite = Self.plans("kite", 60).map { $0.replacingOccurrences(of: "@kite.test", with: "@aurora.test") }
        #expect(kite != a)
    }

    @Test("every drawn story stays inside the 90-day window and the money rules: whole units, withdrawals only when funded")
    func ranges() {
        var rng = DemoRandom(seed: "ranges")
        for i in 1...500 {
            let p = DemoClientPlan(index: i, slug: "x", rng: &rng)
            #expect(p.registeredAgo >= 3_600 && p.registeredAgo < 90 * 86_400)
            #expect(p.deposits.allSatisfy { $0.amount >= 10_000 && $0.amount <= 500_000 && $0.amount % 10_000 == 0 })
            #expect(p.deposits.isEmpty || p.kyc == "approved")
            #expect(p.withdrawPercent == 0 || !p.deposits.isEmpty)
        }
    }
}
