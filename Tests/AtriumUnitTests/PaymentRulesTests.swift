import AtriumPayments
import AtriumBrandConfig
import Foundation
import Testing

@Suite("PSP signatures")
struct SignatureTests {
    // Vectors computed outside Swift: python3 hmac.new(secret, msg, sha256/sha512).hexdigest()
    static let body = Array(#"{"id":"evt_1","type":"checkout.session.completed"}"#.utf8)
    static let v1 = "a13d4b1f9003bc2fb6c06224e878b6056185eaa50d40e1e7dc05517f8af41d7b"
    static let t = 1_700_000_000
    static func at(_ offset: Int) -> Date { Date(timeIntervalSince1970: TimeInterval(t + offset)) }

    @Test("our header matches Stripe's scheme computed independently")
    func headerVector() {
        #expect(StripeSignature.header(secret: "whsec_test_secret", timestamp: Self.t, body: Self.body) == "t=\(Self.t),v1=\(Self.v1)")
    }

    @Test("a valid signature within 300 s verifies; any of several v1 values may match")
    func accepts() throws {
        try StripeSignature.verify(header: "t=\(Self.t),v1=\(Self.v1)", body: Self.body, secret: "whsec_test_secret", now: Self.at(299))
        try StripeSignature.verify(header: "t=\(Self.t),v1=\(String(repeating: "0", count: 64)),v1=\(Self.v1),v0=ignored", body: Self.body,
                                   secret: "whsec_test_secret", now: Self.at(-299))
    }

    @Test("tampered, stale, future, forged and malformed signatures are refused")
    func refuses() {
        let secret = "whsec_test_secret"
        let good = "t=\(Self.t),v1=\(Self.v1)"
        #expect(throws: VerificationFailure.signatureMismatch) {
            try StripeSignature.verify(header: good, body: Array(#"{"id":"evt_1","type":"checkout.session.completed "}"#.utf8), secret: secret, now: Self.at(0))
        }
        #expect(throws: VerificationFailure.timestampOutsideTolerance(seconds: 301)) {
            try StripeSignature.verify(header: good, body: Self.body, secret: secret, now: Self.at(301))
        }
        #expect(throws: VerificationFailure.timestampOutsideTolerance(seconds: -301)) {
            try StripeSignature.verify(header: good, body: Self.body, secret: secret, now: Self.at(-301))
        }
        #expect(throws: VerificationFailure.signatureMismatch) {
            try StripeSignature.verify(header: good, body: Self.body, secret: "whsec_other", now: Self.at(0))
        }
        // the timestamp is part of what is signed: moving it breaks the signature
        #expect(throws: VerificationFailure.signatureMismatch) {
            try StripeSignature.verify(header: "t=\(Self.t + 5),v1=\(Self.v1)", body: Self.body, secret: secret, now: Self.at(0))
        }
        #expect(throws: VerificationFailure.missingHeader("Stripe-Signature")) {
            try StripeSignature.verify(header: nil, body: Self.body, secret: secret, now: Self.at(0))
        }
        #expect(throws: VerificationFailure.malformedHeader) {
            try StripeSignature.verify(header: "v1=\(Self.v1)", body: Self.body, secret: secret, now: Self.at(0))
        }
    }

    @Test("crypto IPN: hex HMAC-SHA512 of the raw body")
    func ipn() throws {
        let body = Array(#"{"order_id":"D-1","payment_status":"finished"}"#.utf8)
        let vector = "e838f65c8e342b8e77ac17c8e89b7e53ccb7d435735967e1c36de4f5dbac43527c6432e3c43651f244ff2a475db80f7e51fb424f235c312553f73ff3a49a6e12"
        #expect(IPNSignature.sign(secret: "ipn_secret", body: body) == vector)
        try IPNSignature.verify(header: vector.uppercased(), body: body, secret: "ipn_secret")
        #expect(throws: VerificationFailure.signatureMismatch) { try IPNSignature.verify(header: vector, body: body + [32], secret: "ipn_secret") }
        #expect(throws: VerificationFailure.malformedHeader) { try IPNSignature.verify(header: "abc", body: body, secret: "ipn_secret") }
    }
}

@Suite("Payment state machine")
struct StateMachineTests {
    @Test("deposit transitions", arguments: [
        (PaymentStatus.created, PSPEvent.Kind.pending, "", Transition.move(.pending)),
        (.created, .succeeded, "", .move(.succeeded)),
        (.pending, .succeeded, "", .move(.succeeded)),
        (.pending, .failed, "", .move(.failed)),
        (.succeeded, .pending, "", .ignore("out of order: payment is already succeeded")),
        (.succeeded, .failed, "", .ignore("out of order: payment is already succeeded")),
        (.succeeded, .succeeded, "", .ignore("succeeded does not apply to a deposit that is succeeded")),
        (.failed, .succeeded, "timeout", .move(.succeeded)),
        (.failed, .succeeded, "declined", .ignore("succeeded does not apply to a deposit that is failed")),
        (.succeeded, .refunded, "", .move(.refunded)),
        (.succeeded, .chargedBack, "", .move(.chargedBack)),
        (.refunded, .refunded, "", .ignore("refunded does not apply to a deposit that is refunded")),
        (.created, .payoutPaid, "", .ignore("payout_paid does not apply to a deposit that is created")),
    ])
    func deposit(from: PaymentStatus, event: PSPEvent.Kind, reason: String, expected: Transition) {
        #expect(PaymentStateMachine.transition(kind: .deposit, from: from, event: event, failureReason: reason) == expected)
    }

    @Test("withdrawal transitions", arguments: [
        (PaymentStatus.processing, PSPEvent.Kind.payoutPaid, Transition.move(.paid)),
        (.processing, .payoutFailed, .move(.failed)),
        (.paid, .payoutFailed, .ignore("payout_failed does not apply to a withdrawal that is paid")),
        (.review, .payoutPaid, .ignore("payout_paid does not apply to a withdrawal that is review")),
        (.rejected, .payoutPaid, .ignore("payout_paid does not apply to a withdrawal that is rejected")),
    ])
    func withdrawal(from: PaymentStatus, event: PSPEvent.Kind, expected: Transition) {
        #expect(PaymentStateMachine.transition(kind: .withdrawal, from: from, event: event) == expected)
    }
}

@Suite("Withdrawal rules")
struct WithdrawalRulesTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let policy = TenantConfig.WithdrawalPolicy(autoApproveMaxMinor: ["USD": 50_000], dualApprovalAboveMinor: ["USD": 1_000_000], kycMaxAgeDays: 365,
                                                      knownDeviceMinAgeHours: 24, unusualAmountMultiplier: 3, maxPerDay: 3)
    static func facts(amount: Int64 = 10_000, kyc: String = "approved", kycDaysAgo: Double = 30, deviceHoursAgo: Double? = 100,
                      chargebacks: Int = 0, largest: Int64 = 20_000, recent: Int = 0) -> WithdrawalFacts {
        WithdrawalFacts(amount: amount, currency: "USD", kycStatus: kyc, kycApprovedAt: now.addingTimeInterval(-kycDaysAgo * 86_400),
                        deviceFirstSeen: deviceHoursAgo.map { now.addingTimeInterval(-$0 * 3_600) }, chargebacks: chargebacks,
                        largestEarlierAmount: largest, requestsLast24h: recent, now: now)
    }

    @Test("each rule routes to review with its own reason", arguments: [
        (facts(), [String](), 1),
        (facts(amount: 50_001), ["above_auto_approve_limit"], 1),
        (facts(kyc: "submitted"), ["kyc_not_approved"], 1),
        (facts(kycDaysAgo: 366), ["kyc_older_than_365_days"], 1),
        (facts(deviceHoursAgo: 2), ["new_device"], 1),
        (facts(deviceHoursAgo: nil), ["new_device"], 1),
        (facts(chargebacks: 1), ["chargeback_history"], 1),
        (facts(amount: 40_000, largest: 10_000), ["unusual_amount"], 1),
        (facts(recent: 3), ["unusual_frequency"], 1),
        (facts(amount: 1_000_001, largest: 2_000_000), ["above_auto_approve_limit"], 2),
        (facts(amount: 60_000, kyc: "not_started", deviceHoursAgo: 1, chargebacks: 2, largest: 1_000, recent: 5),
         ["above_auto_approve_limit", "kyc_not_approved", "new_device", "chargeback_history", "unusual_amount", "unusual_frequency"], 1),
    ])
    func table(facts: WithdrawalFacts, reasons: [String], approvals: Int) {
        let d = WithdrawalRules.decide(facts, policy: Self.policy)
        #expect(d.reviewReasons == reasons)
        #expect(d.requiredApprovals == approvals)
    }
}

@Suite("PSP routing and circuit breaker")
struct RoutingTests {
    static func psp(_ id: String, currencies: [String] = ["USD"], countries: [String] = [], min: Int64? = 1_000, max: Int64? = 100_000,
                    priority: Int, configured: Bool = true) -> ResolvedPSP {
        let c = TenantConfig.PSPConfig(id: id, type: "sandbox", currencies: currencies, countries: countries, minAmountMinor: min, maxAmountMinor: max,
                                       priority: priority)
        return ResolvedPSP(config: c, endpoint: "http://x", apiKey: "k", webhookSecret: "s", bankDetails: [:], confirmationsRequired: 2,
                           dualConfirmAboveMinor: nil, problems: configured ? [] : ["api_key: environment variable X is not set"])
    }

    @Test("currency, country, amount range and configuration filter; priority orders")
    func filters() {
        let tenant = UUID()
        let list = [Self.psp("b", priority: 2), Self.psp("a", priority: 1), Self.psp("eur", currencies: ["EUR"], priority: 0),
                    Self.psp("de", countries: ["DE"], priority: 0), Self.psp("big", min: 500_000, max: nil, priority: 0), Self.psp("off", priority: 0, configured: false)]
        let (eligible, excluded) = PSPRouter.candidates(list, currency: "USD", country: "GB", amount: 5_000, breaker: CircuitBreaker(), tenant: tenant)
        #expect(eligible.map(\.id) == ["a", "b"])
        #expect(excluded == [RouteExclusion(pspID: "eur", reason: "does not take USD"), RouteExclusion(pspID: "de", reason: "not offered in GB"),
                             RouteExclusion(pspID: "big", reason: "below its minimum"), RouteExclusion(pspID: "off", reason: "not configured")])
        #expect(PSPRouter.candidates(list, currency: "USD", country: "GB", amount: 600_000, breaker: CircuitBreaker(), tenant: tenant).eligible.map(\.id) == ["big"])
    }

    @Test("three failures open the breaker; after the cool-down one trial is let through, and a success closes it")
    func breaker() {
        let tenant = UUID(), other = UUID()
        let b = CircuitBreaker(failureThreshold: 3, coolDown: 30)
        let t0 = Date(timeIntervalSince1970: 1_000)
        for _ in 0..<2 { b.record(tenant: tenant, psp: "a", ok: false, now: t0) }
        #expect(b.state(tenant: tenant, psp: "a", now: t0) == .closed)
        b.record(tenant: tenant, psp: "a", ok: false, now: t0)
        #expect(b.state(tenant: tenant, psp: "a", now: t0) == .open)
        #expect(b.state(tenant: other, psp: "a", now: t0) == .closed)   // per tenant
        #expect(!b.allow(tenant: tenant, psp: "a", now: t0.addingTimeInterval(10)))
        let (eligible, _) = PSPRouter.candidates([Self.psp("a", priority: 1), Self.psp("b", priority: 2)], currency: "USD", country: "GB", amount: 5_000,
                                                 breaker: b, tenant: tenant, now: t0.addingTimeInterval(10))
        #expect(eligible.map(\.id) == ["b"])
        let later = t0.addingTimeInterval(31)
        #expect(b.state(tenant: tenant, psp: "a", now: later) == .halfOpen)
        #expect(b.allow(tenant: tenant, psp: "a", now: later))
        #expect(!b.allow(tenant: tenant, psp: "a", now: later))          // one trial at a time
        b.record(tenant: tenant, psp: "a", ok: true, now: later)
        #expect(b.state(tenant: tenant, psp: "a", now: later) == .closed)
    }
}
