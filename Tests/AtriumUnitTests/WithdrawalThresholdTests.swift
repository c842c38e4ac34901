import AtriumBrandConfig
import AtriumPayments
import Foundation
import Testing

/// Issue 10, defect 8: thresholds per currency, fail closed without one, no trap on overflow.
@Suite("Withdrawal thresholds per currency")
struct WithdrawalThresholdTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    /// 500.00 USD and ¥75,000 automatic; above 10,000.00 USD or ¥1,500,000 two approvers.
    static let policy = TenantConfig.WithdrawalPolicy(autoApproveMaxMinor: ["USD": 50_000, "JPY": 75_000],
                                                      dualApprovalAboveMinor: ["USD": 1_000_000, "JPY": 1_500_000])

    /// A verified client on a known device with no history: only the amount rules can speak.
    static func facts(_ amount: Int64, _ currency: String, largest: Int64 = 0) -> WithdrawalFacts {
        WithdrawalFacts(amount: amount, currency: currency, kycStatus: "approved", kycApprovedAt: now.addingTimeInterval(-86_400),
                        deviceFirstSeen: now.addingTimeInterval(-86_400 * 10), chargebacks: 0, largestEarlierAmount: largest,
                        requestsLast24h: 0, now: now)
    }

    @Test("each currency is compared with its own limits", arguments: [
        (facts(50_000, "USD"), [String](), 1),                             // 500.00 USD: at the limit
        (facts(50_001, "USD"), ["above_auto_approve_limit"], 1),           // 500.01 USD
        (facts(1_000_001, "USD"), ["above_auto_approve_limit"], 2),        // 10,000.01 USD
        (facts(60_000, "JPY"), [], 1),                                     // ¥60,000: under ¥75,000, although 60000 > 50000
        (facts(75_001, "JPY"), ["above_auto_approve_limit"], 1),           // ¥75,001
        (facts(1_200_000, "JPY"), ["above_auto_approve_limit"], 1),        // ¥1,200,000: over USD's 1,000,000 figure, under JPY's
        (facts(1_500_001, "JPY"), ["above_auto_approve_limit"], 2),
        (facts(1, "EUR"), ["no_limit_for_currency"], 2),                   // no EUR entry: review and two approvers
    ])
    func perCurrency(facts: WithdrawalFacts, reasons: [String], approvals: Int) {
        let d = WithdrawalRules.decide(facts, policy: Self.policy)
        #expect(d.reviewReasons == reasons)
        #expect(d.requiredApprovals == approvals)
    }

    @Test("without a brand policy the defaults cover USD, EUR and GBP only; other currencies fail closed")
    func defaults() {
        #expect(WithdrawalRules.decide(Self.facts(50_000, "GBP"), policy: nil) == WithdrawalDecision(reviewReasons: [], requiredApprovals: 1))
        #expect(WithdrawalRules.decide(Self.facts(500, "JPY"), policy: nil) == WithdrawalDecision(reviewReasons: ["no_limit_for_currency"], requiredApprovals: 2))
    }

    @Test("an unusual-amount check whose multiplication overflows Int64 counts as unusual instead of trapping")
    func overflow() {
        let d = WithdrawalRules.decide(Self.facts(10_000, "USD", largest: Int64.max / 2), policy: nil)
        #expect(d.reviewReasons == ["unusual_amount"])
        let edge = WithdrawalRules.decide(Self.facts(10_000, "USD", largest: Int64.max / 3), policy: nil)   // 3 × (max/3) fits
        #expect(edge.reviewReasons == [])
    }

    static func yaml(_ withdrawals: String) -> String {
        """
        slug: demo
        name: Demo Markets
        domains: [demo.example.com]
        branding: { primary_color: "#112233", accent_color: "#445566", legal_footer: "Demo Ltd" }
        locales: { default: en, available: [en] }
        admin: { email: admin@demo.test }
        withdrawals:
        \(withdrawals)
        """
    }

    @Test("a brand file gives each threshold per currency")
    func perCurrencyYAML() throws {
        let c = try TenantConfig.parse(yaml: Self.yaml("""
              auto_approve_max_minor: { USD: 50000, JPY: 75000 }
              dual_approval_above_minor: { USD: 1000000, JPY: 1500000 }
            """), file: "demo.yaml")
        #expect(c.withdrawals?.autoApproveMaxMinor == ["USD": 50_000, "JPY": 75_000])
        #expect(c.withdrawals?.dualApprovalAboveMinor?["JPY"] == 1_500_000)
    }

    @Test("unknown currencies, negative amounts and a single figure for all currencies are refused, naming the field", arguments: [
        ("  auto_approve_max_minor: { USD: 50000, XYZ: 5 }", "withdrawals.auto_approve_max_minor.XYZ"),
        ("  dual_approval_above_minor: { JPY: -1 }", "withdrawals.dual_approval_above_minor.JPY"),
        ("  auto_approve_max_minor: 50000", "withdrawals.auto_approve_max_minor"),
    ])
    func refused(line: String, path: String) {
        let error = #expect(throws: ConfigValidationError.self) { try TenantConfig.parse(yaml: Self.yaml(line), file: "tenants/demo.yaml") }
        #expect(error?.problems.contains { $0.path == path } == true, "got \(String(describing: error))")
    }
}
