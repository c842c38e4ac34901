import AtriumBrandConfig
import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumLedger
import AtriumPayments
import AtriumStorage
import AtriumTenancy
import Foundation
import PostgresNIO
import Testing

/// A demo brand (Aurora) with a trader, served live so the sandbox PSP is reachable over HTTP.
struct PayFixture: Sendable {
    let s: AppServices
    let tenant: TenantRecord
    let brand: TenantConfig
    let client: PaymentClient
    let port: Int

    var handle: TenantHandle { tenant.handle }
    var host: String { "aurora.localhost:\(port)" }
    var origin: String { "http://\(host)" }
    var usd: Currency { Currency("USD")! }

    static func make(_ s: AppServices, port: Int, email: String = "trader@aurora.test") async throws -> PayFixture {
        let brand = try #require(try await PortalTests.applyDemoBrands(s).first { $0.slug.value == "aurora" })
        let tenant = try #require(try await s.registry.tenant(slug: "aurora"))
        let id = try await s.tenantDB.transaction(tenant.handle) { tx in
            try #require(try await Users.create(audience: .trader, email: email, name: "Test Trader", country: "GB", passwordHash: nil, in: tx))
        }
        return PayFixture(s: s, tenant: tenant, brand: brand,
                          client: PaymentClient(id: id, email: email, country: "GB", ip: "10.1.1.1", userAgent: "TestBrowser/1.0"), port: port)
    }

    func wallet() async throws -> LedgerAccount {
        try await s.tenantDB.transaction(handle) { tx in try await Ledger.wallet(user: client.id, currency: usd, in: tx) }
    }

    func payment(_ id: UUID) async throws -> PaymentRecord {
        try #require(try await s.payments.payment(tenant: handle, id: id)?.0)
    }

    func expectConsistent(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let problems = try await s.tenantDB.transaction(handle) { tx in try await Ledger.verify(in: tx) }
        #expect(problems == [], sourceLocation: sourceLocation)
    }

    func count(_ sql: String) async throws -> Int {
        try await s.tenantDB.transaction(handle) { tx in
            try await tx.query(PostgresQuery(unsafeSQL: sql)).collect().first?.decode(Int.self) ?? -1
        }
    }

    /// Starts a card deposit at the sandbox and returns the payment id and the hosted page URL.
    func startCard(_ amount: String, psp: String = "sandbox-card") async throws -> (UUID, String) {
        let started = try await s.payments.startDeposit(tenant: handle, brand: brand, client: client, pspID: psp,
                                                        money: try Money.parse(amount, currency: usd), idempotencyKey: UUID().uuidString, origin: origin)
        guard case .redirect(let id, let url) = started else { throw PaymentError.notFound }
        return (id, url)
    }

    /// Answers the sandbox's hosted page as the demo user would.
    func answer(_ checkoutURL: String, outcome: String, delivery: String = "on_time") async throws -> RawHTTP.Reply {
        try await RawHTTP.send(checkoutURL, body: RawHTTP.form(["outcome": outcome, "delivery": delivery]))
    }

    var sandboxSecret: String { s.payments.psp(brand, id: "sandbox-card")?.webhookSecret ?? "" }

    /// A Stripe-shaped event for `reference`, signed like the sandbox (or with `secret`/`timestamp` overridden).
    func cardEvent(_ type: String, reference: String, amount: Int64, id: String = "evt_\(UUID().uuidString)", secret: String? = nil,
                   timestamp: Int = Int(Date().timeIntervalSince1970), tamper: Bool = false) -> (body: [UInt8], header: String) {
        let json = #"{"id":"\#(id)","type":"\#(type)","data":{"object":{"id":"cs_x","amount_total":\#(amount),"currency":"usd","client_reference_id":"\#(reference)","payment_status":"paid"}}}"#
        let body = Array(json.utf8)
        let header = StripeSignature.header(secret: secret ?? sandboxSecret, timestamp: timestamp, body: body)
        return (tamper ? Array(json.replacingOccurrences(of: "\(amount)", with: "\(amount * 10)").utf8) : body, header)
    }

    func postCallback(_ event: (body: [UInt8], header: String), psp: String = "sandbox-card") async throws -> RawHTTP.Reply {
        try await RawHTTP.send("http://127.0.0.1:\(port)/psp/callback/\(psp)", host: host,
                               headers: [("Stripe-Signature", event.header), ("Content-Type", "application/json")], body: event.body)
    }

    /// Deposits through a directly signed callback (no hosted page).
    func fund(_ amount: String) async throws {
        let (id, _) = try await startCard(amount)
        let p = try await payment(id)
        let reply = try await postCallback(cardEvent("checkout.session.completed", reference: p.reference, amount: p.amount))
        #expect(reply.status == 200)
    }

    func staff(_ email: String, role: BuiltinRole) async throws -> UUID {
        try await s.tenantDB.transaction(handle) { tx in
            let id = try #require(try await Users.create(audience: .staff, email: email, name: email, country: "", passwordHash: nil, in: tx))
            try await tx.query("INSERT INTO user_roles (user_id, role_id) SELECT \(id), id FROM roles WHERE name = \(role.rawValue)")
            return id
        }
    }

    func waitFor(_ status: PaymentStatus, _ id: UUID, seconds: Int = 10) async throws -> PaymentRecord {
        for _ in 0..<(seconds * 10) {
            let p = try await payment(id)
            if p.status == status { return p }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await payment(id)
    }
}

@Suite("Payments over real HTTP", .serialized, .timeLimit(.minutes(3)))
struct PaymentsTests {
    @Test("a sandbox card deposit with duplicated callbacks credits the wallet exactly once")
    func sandboxDeposit() async throws {
        try await TestEnv.with("pay1") { s in
            try await withLiveServer(s) { port in
                let f = try await PayFixture.make(s, port: port)
                let (id, url) = try await f.startCard("250.00")
                #expect(url.hasPrefix("http://127.0.0.1:\(port)/sandbox-psp/checkout/cs_test_"))
                #expect(try await f.payment(id).status == .created)
                let reply = try await f.answer(url, outcome: "approve", delivery: "duplicate")
                #expect(reply.status == 303)
                let expected: String = "\(f.origin)/wallet/deposits/\(id.uuidString.lowercased())"
                let location: String = reply.location ?? ""
                #expect(location == expected)
                let p = try await f.payment(id)
                #expect(p.status == .succeeded)
                #expect(p.settledAmount == 25_000)
                #expect(try await f.wallet().balance == 25_000)
                #expect(try await f.count("SELECT count(*)::int FROM psp_inbox WHERE verified AND duplicate_of IS NULL") == 1)
                #expect(try await f.count("SELECT count(*)::int FROM psp_inbox WHERE duplicate_of IS NOT NULL") == 1)
                #expect(try await f.count("SELECT count(*)::int FROM ledger_transfers WHERE code = 'deposit'") == 1)
                // Aurora's card PSP charges 2.90% + 0.30: the broker's expense, not the client's
                let (fees, clearing) = try await s.tenantDB.transaction(f.handle) { tx in
                    (try await Ledger.house(.fees, "sandbox-card", currency: f.usd, in: tx), try await Ledger.house(.pspClearing, "sandbox-card", currency: f.usd, in: tx))
                }
                #expect(fees.debitsPosted == 755)
                #expect(clearing.debitsPosted - clearing.creditsPosted == 25_000 - 755)
                try await f.expectConsistent()
            }
        }
    }

    @Test("forged, tampered, stale, future and replayed callbacks credit nothing")
    func badCallbacks() async throws {
        try await TestEnv.with("pay2") { s in
            try await withLiveServer(s) { port in
                let f = try await PayFixture.make(s, port: port)
                let (id, _) = try await f.startCard("100.00")
                let ref = try await f.payment(id).reference
                let now = Int(Date().timeIntervalSince1970)
                let forged = try await f.postCallback(f.cardEvent("checkout.session.completed", reference: ref, amount: 10_000, secret: "whsec_guess"))
                let tampered = try await f.postCallback(f.cardEvent("checkout.session.completed", reference: ref, amount: 10_000, tamper: true))
                let stale = try await f.postCallback(f.cardEvent("checkout.session.completed", reference: ref, amount: 10_000, timestamp: now - 400))
                let future = try await f.postCallback(f.cardEvent("checkout.session.completed", reference: ref, amount: 10_000, timestamp: now + 400))
                let unsigned = try await RawHTTP.send("http://127.0.0.1:\(port)/psp/callback/sandbox-card", host: f.host, body: Array("{}".utf8))
                let statuses: [Int] = [forged.status, tampered.status, stale.status, future.status, unsigned.status]
                #expect(statuses == [400, 400, 400, 400, 400])
                #expect(forged.body.contains("signature does not match"))
                #expect(stale.body.contains("tolerance 300 s"))
                #expect(!unsigned.body.contains("SQL"))
                #expect(try await f.payment(id).status == .created)
                #expect(try await f.wallet().balance == 0)
                #expect(try await f.count("SELECT count(*)::int FROM psp_inbox WHERE NOT verified") == 5)
                // the genuine event, then a replay of it
                let genuine = f.cardEvent("checkout.session.completed", reference: ref, amount: 10_000, id: "evt_genuine")
                // sent to another brand's host it is signed with the wrong brand's secret: refused there
                let elsewhere = try await RawHTTP.send("http://127.0.0.1:\(port)/psp/callback/sandbox-card", host: "kite.localhost:\(port)",
                                                       headers: [("Stripe-Signature", genuine.header)], body: genuine.body)
                #expect(elsewhere.status == 400)
                #expect(try await f.postCallback(genuine).status == 200)
                let replay = try await f.postCallback(genuine)
                #expect(replay.status == 200)
                #expect(replay.body.contains("duplicate"))
                #expect(try await f.wallet().balance == 10_000)
                // an unknown PSP path is a 404, not a 500
                #expect(try await RawHTTP.send("http://127.0.0.1:\(port)/psp/callback/nope", host: f.host, body: genuine.body).status == 404)
                try await f.expectConsistent()
            }
        }
    }

    @Test("out-of-order events do not move a payment back; a late success after a timeout is still credited")
    func ordering() async throws {
        try await TestEnv.with("pay3") { s in
            try await withLiveServer(s) { port in
                let f = try await PayFixture.make(s, port: port)
                let (id, url) = try await f.startCard("40.00")
                _ = try await f.answer(url, outcome: "approve", delivery: "out_of_order")
                let p = try await f.payment(id)
                #expect(p.status == .succeeded)
                let events = try #require(try await s.payments.payment(tenant: f.handle, id: id)?.1)
                #expect(events.contains { $0.detail.hasPrefix("ignored payment_intent.processing: out of order") })
                // timeout, then the PSP's success arrives late
                let (late, _) = try await f.startCard("60.00")
                try await s.payments.expire(tenant: f.handle, payment: late)
                let expired = try await f.payment(late)
                #expect(expired.status == .failed)
                #expect(expired.failureReason == "timeout")
                #expect(try await f.postCallback(f.cardEvent("checkout.session.completed", reference: expired.reference, amount: 6_000)).status == 200)
                #expect(try await f.payment(late).status == .succeeded)
                // a declined payment stays failed and credits nothing
                let (declined, url3) = try await f.startCard("70.00")
                let back = try await f.answer(url3, outcome: "decline")
                #expect(back.location?.hasSuffix("?cancelled=1") == true)
                #expect(try await f.payment(declined).status == .failed)
                #expect(try await f.wallet().balance == 10_000)
                try await f.expectConsistent()
            }
        }
    }

    @Test("crypto: nothing is credited before the confirmations threshold; an underpayment settles at what arrived")
    func crypto() async throws {
        try await TestEnv.with("pay4") { s in
            try await withLiveServer(s) { port in
                let f = try await PayFixture.make(s, port: port)
                let (id, url) = try await f.startCard("100.00", psp: "crypto-usdt")
                #expect(url.contains("/sandbox-psp/checkout/inv_"))
                _ = try await f.answer(url, outcome: "underpay")
                let p = try await f.payment(id)
                #expect(p.status == .succeeded)
                #expect(p.settledAmount == 9_000)
                #expect(try await f.wallet().balance == 9_000)
                let events = try #require(try await s.payments.payment(tenant: f.handle, id: id)?.1)
                #expect(events.map(\.to) == ["created", "pending", "succeeded"])
                #expect(events[1].detail.contains("confirming (1/2 confirmations)"))
                #expect(events[2].detail.contains("settled 90.00 of 100.00 requested"))
                try await f.expectConsistent()
            }
        }
    }

    @Test("a withdrawal holds the money, goes to review, and is paid out through the sandbox after Finance approves")
    func withdrawalLifecycle() async throws {
        try await TestEnv.with("pay5") { s in
            try await withLiveServer(s) { port in
                let f = try await PayFixture.make(s, port: port)
                try await f.fund("500.00")
                let w = try await s.payments.requestWithdrawal(tenant: f.handle, brand: f.brand, client: f.client, pspID: "sandbox-card",
                                                               money: try Money.parse("200", currency: f.usd), idempotencyKey: "w1", origin: f.origin)
                #expect(w.status == .review)
                #expect(w.reviewReasons == ["kyc_not_approved", "new_device"])
                var wallet = try await f.wallet()
                #expect(wallet.balance == 50_000)
                #expect(wallet.available == 30_000)
                let finance = try await f.staff("finance@aurora.test", role: .finance)
                let approved = try await s.payments.approveWithdrawal(tenant: f.handle, payment: w.id, staff: finance, requestID: "r1")
                #expect(approved.status == .approved)
                try await s.payments.sendPayout(tenant: f.handle, brand: f.brand, payment: w.id)
                let paid = try await f.waitFor(.paid, w.id)
                #expect(paid.status == .paid)
                wallet = try await f.wallet()
                #expect(wallet.balance == 30_000)
                #expect(wallet.available == 30_000)
                // a rejected request gives the held amount back
                let r = try await s.payments.requestWithdrawal(tenant: f.handle, brand: f.brand, client: f.client, pspID: "sandbox-card",
                                                               money: try Money.parse("100", currency: f.usd), idempotencyKey: "w2", origin: f.origin)
                #expect(try await f.wallet().available == 20_000)
                try await s.payments.rejectWithdrawal(tenant: f.handle, payment: r.id, staff: finance, reason: "documents needed")
                #expect(try await f.payment(r.id).status == .rejected)
                #expect(try await f.wallet().available == 30_000)
                await #expect(throws: PaymentError.invalidState(.rejected)) {
                    _ = try await s.payments.approveWithdrawal(tenant: f.handle, payment: r.id, staff: finance, requestID: "r2")
                }
                let audited = try await s.tenantDB.transaction(f.handle) { tx in
                    try await tx.query("SELECT action FROM audit_log WHERE action LIKE 'withdrawal.%' ORDER BY seq").collect().map { try $0.decode(String.self) }
                }
                #expect(audited == ["withdrawal.requested", "withdrawal.approved", "withdrawal.processing", "withdrawal.paid",
                                    "withdrawal.requested", "withdrawal.rejected"])
                try await f.expectConsistent()
            }
        }
    }

    @Test("above the threshold two different approvers are needed; an auto-approvable request is paid without a person")
    func dualApproval() async throws {
        try await TestEnv.with("pay6") { s in
            try await withLiveServer(s) { port in
                let f = try await PayFixture.make(s, port: port)
                try await f.fund("15000")
                let w = try await s.payments.requestWithdrawal(tenant: f.handle, brand: f.brand, client: f.client, pspID: "sandbox-card",
                                                               money: try Money.parse("12000", currency: f.usd), idempotencyKey: "big", origin: f.origin)
                #expect(w.requiredApprovals == 2)
                let first = try await f.staff("fin1@aurora.test", role: .finance)
                let second = try await f.staff("fin2@aurora.test", role: .finance)
                let once = try await s.payments.approveWithdrawal(tenant: f.handle, payment: w.id, staff: first, requestID: "a")
                #expect(once.status == .review)
                #expect(once.approvals == 1)
                await #expect(throws: PaymentError.sameApprover) {
                    _ = try await s.payments.approveWithdrawal(tenant: f.handle, payment: w.id, staff: first, requestID: "b")
                }
                let twice = try await s.payments.approveWithdrawal(tenant: f.handle, payment: w.id, staff: second, requestID: "c")
                #expect(twice.status == .approved)
                // a verified client on a known device: small amounts need nobody
                try await s.tenantDB.transaction(f.handle) { tx in
                    try await tx.query("UPDATE users SET kyc_status = 'approved', kyc_approved_at = now() - interval '10 days' WHERE id = \(f.client.id)")
                    try await tx.query("UPDATE payments SET created_at = now() - interval '3 days' WHERE user_id = \(f.client.id) AND kind = 'deposit'")
                }
                let small = try await s.payments.requestWithdrawal(tenant: f.handle, brand: f.brand, client: f.client, pspID: "sandbox-card",
                                                                   money: try Money.parse("50", currency: f.usd), idempotencyKey: "small", origin: f.origin)
                #expect(small.reviewReasons == [])
                #expect(small.status == .approved)
                // the live server's job worker sends the payout; the sandbox's callback settles it
                #expect(try await f.waitFor(.paid, small.id).status == .paid)
                try await f.expectConsistent()
            }
        }
    }

    @Test("two concurrent withdrawals larger than the balance together: exactly one is accepted; a repeated form creates one")
    func concurrentWithdrawals() async throws {
        try await TestEnv.with("pay7") { s in
            try await withLiveServer(s) { port in
                let f = try await PayFixture.make(s, port: port)
                try await f.fund("1000")
                let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for i in 0..<2 {
                        group.addTask {
                            do {
                                _ = try await s.payments.requestWithdrawal(tenant: f.handle, brand: f.brand, client: f.client, pspID: "sandbox-card",
                                                                           money: try Money.parse("600", currency: f.usd), idempotencyKey: "race\(i)", origin: f.origin)
                                return true
                            } catch LedgerError.insufficientFunds {
                                return false
                            }
                        }
                    }
                    return try await group.reduce(into: [Bool]()) { $0.append($1) }
                }
                #expect(outcomes.filter { $0 }.count == 1)
                #expect(try await f.wallet().debitsPending == 60_000)
                #expect(try await f.count("SELECT count(*)::int FROM payments WHERE kind = 'withdrawal'") == 1)
                let a = try await s.payments.requestWithdrawal(tenant: f.handle, brand: f.brand, client: f.client, pspID: "sandbox-card",
                                                               money: try Money.parse("100", currency: f.usd), idempotencyKey: "same", origin: f.origin)
                let b = try await s.payments.requestWithdrawal(tenant: f.handle, brand: f.brand, client: f.client, pspID: "sandbox-card",
                                                               money: try Money.parse("100", currency: f.usd), idempotencyKey: "same", origin: f.origin)
                #expect(a.id == b.id)
                #expect(try await f.wallet().debitsPending == 70_000)
                try await f.expectConsistent()
            }
        }
    }

    @Test("a failing PSP is reported, the next method is offered, and three failures open its circuit")
    func failover() async throws {
        try await TestEnv.with("pay8") { s in
            try await withLiveServer(s) { port in
                let f = try await PayFixture.make(s, port: port)
                let control = "http://127.0.0.1:\(port)/sandbox-psp/control"
                #expect(try await RawHTTP.send(control, body: RawHTTP.form(["fail_checkouts": "1"])).status == 200)
                for _ in 0..<3 {
                    await #expect(throws: PaymentError.pspUnavailable(next: ["crypto-usdt", "bank-wire"])) { _ = try await f.startCard("150") }
                }
                #expect(s.payments.breaker.state(tenant: f.handle.id, psp: "sandbox-card") == .open)
                let (eligible, excluded) = PSPRouter.candidates(s.payments.psps(f.brand), currency: "USD", country: "GB", amount: 15_000,
                                                                breaker: s.payments.breaker, tenant: f.handle.id)
                #expect(eligible.map(\.id) == ["crypto-usdt", "bank-wire"])
                #expect(excluded.contains(RouteExclusion(pspID: "sandbox-card", reason: "temporarily unavailable")))
                await #expect(throws: PaymentError.methodUnavailable("temporarily unavailable")) { _ = try await f.startCard("150") }
                let health = try #require(try await s.payments.health(tenant: f.handle, brand: f.brand).first { $0.psp.id == "sandbox-card" })
                #expect(health.attempts == 3)
                #expect(health.successRate == 0)
                #expect(health.lastError.contains("switched to fail"))
                #expect(try await f.count("SELECT count(*)::int FROM payments WHERE status = 'failed' AND failure_reason = 'psp_unavailable'") == 3)
                // Kite's brand is unaffected by Aurora's breaker
                let kite = try #require(try await s.registry.tenant(slug: "kite"))
                #expect(s.payments.breaker.state(tenant: kite.handle.id, psp: "sandbox-card") == .closed)
                _ = try await RawHTTP.send(control, body: RawHTTP.form(["fail_checkouts": "0"]))
            }
        }
    }
}
