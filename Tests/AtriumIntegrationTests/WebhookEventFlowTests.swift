import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumKYC
import AtriumLedger
import AtriumPartners
import AtriumPayments
import AtriumStorage
import AtriumTrading
import AtriumWebhooks
import Foundation
import PostgresNIO
import Testing

/// Each of the nine event types fires from its real flow, in the transaction of the change, with
/// money as major-unit strings. Endpoints point at a closed loopback port: these cases read the
/// outbox, not the deliveries.
@Suite("Webhook events from the real flows", .timeLimit(.minutes(3)))
struct WebhookEventFlowTests {
    static let nowhere = "http://127.0.0.1:9/hook"
    static let allow = ["ATRIUM_WEBHOOKS_ALLOW_PRIVATE": "1"]

    static func data(_ event: (type: String, payload: [String: Any])?) -> [String: Any] { event?.payload["data"] as? [String: Any] ?? [:] }
    static func money(_ value: Any?) -> [String: String] { value as? [String: String] ?? [:] }

    @Test("client.registered from the registration form, kyc.decided from the Compliance decision; one delivery each")
    func clientAndKYC() async throws {
        try await TestEnv.with("whclient", environment: Self.allow) { s in
            try await TestEnv.applyBrands(["aurora"], to: s)
            let aurora = try #require(try await s.registry.tenant(slug: "aurora")).handle
            let endpoint = try await s.subscribeWebhooks(aurora, url: Self.nowhere)
            try await buildApplication(services: s).test(.router) { client in
                try await WalletRouteTests.register(FormClient(client, host: "aurora.localhost"), email: "hooked@aurora.test")
            }
            let user = try await s.tenantDB.transaction(aurora) { tx in
                let id = try #require(try await tx.query("SELECT id FROM users WHERE email = 'hooked@aurora.test'").collect().first?.decode(UUID.self))
                try await tx.query("UPDATE users SET kyc_status = 'submitted' WHERE id = \(id)")
                _ = try await Onboarding.decide(user: id, staff: UUID(), outcome: .approved, note: "ok", seen: [:], requestID: "r", in: tx)
                return id
            }
            let events = try await s.webhookEvents(aurora)
            #expect(events.map(\.type) == ["client.registered", "kyc.decided"])
            let registered = Self.data(events.first)
            #expect(registered["client_id"] as? String == user.uuidString.lowercased())
            #expect(registered["email"] as? String == "hooked@aurora.test")
            #expect(registered["country"] as? String == "GB")
            let kyc = Self.data(events.last)
            #expect(kyc["status"] as? String == "approved")
            #expect(kyc["decided_by"] as? String == "staff")
            let deliveries = try await s.tenantDB.transaction(aurora) { tx in
                try await tx.query("SELECT count(*)::int FROM webhook_deliveries WHERE endpoint_id = \(endpoint.id) AND status = 'pending'").collect().first?.decode(Int.self)
            }
            #expect(deliveries == 2)
        }
    }

    @Test("payment.succeeded and payment.failed from PSP callbacks; withdrawal.requested and withdrawal.paid from a withdrawal paid through the sandbox")
    func payments() async throws {
        try await TestEnv.with("whpay", environment: Self.allow) { s in
            try await withLiveServer(s) { port in
                let f = try await PayFixture.make(s, port: port)
                _ = try await s.subscribeWebhooks(f.handle, url: Self.nowhere, events: [.paymentSucceeded, .paymentFailed, .withdrawalRequested, .withdrawalPaid])
                try await f.fund("500.00")
                let (declined, _) = try await f.startCard("20.00")
                let p = try await f.payment(declined)
                #expect(try await f.postCallback(f.cardEvent("checkout.session.expired", reference: p.reference, amount: p.amount)).status == 200)
                let w = try await s.payments.requestWithdrawal(tenant: f.handle, brand: f.brand, client: f.client, pspID: "sandbox-card",
                                                               money: try Money.parse("200", currency: f.usd), idempotencyKey: "wh1", origin: f.origin)
                let finance = try await f.staff("finance@aurora.test", role: .finance)
                _ = try await s.payments.approveWithdrawal(tenant: f.handle, payment: w.id, staff: finance, requestID: "r1")
                try await s.payments.sendPayout(tenant: f.handle, brand: f.brand, payment: w.id)
                #expect(try await f.waitFor(.paid, w.id).status == .paid)
                let events = try await s.webhookEvents(f.handle)
                #expect(events.map(\.type) == ["payment.succeeded", "payment.failed", "withdrawal.requested", "withdrawal.paid"])
                #expect(Self.money(Self.data(events[0])["amount"]) == ["amount": "500.00", "currency": "USD"])
                #expect(Self.data(events[0])["kind"] as? String == "deposit")
                #expect(Self.money(Self.data(events[1])["amount"]) == ["amount": "20.00", "currency": "USD"])
                #expect(Self.data(events[1])["payment_id"] as? String == declined.uuidString.lowercased())
                #expect(Self.data(events[2])["status"] as? String == "review")
                #expect(Self.money(Self.data(events[3])["amount"]) == ["amount": "200.00", "currency": "USD"])
                #expect(Self.data(events[3])["payment_id"] as? String == w.id.uuidString.lowercased())
            }
        }
    }

    @Test("trading_account.opened from opening a live account; transfer.settled from a wallet-to-account transfer the platform applied")
    func trading() async throws {
        try await SandboxPlatformHarness.with { sandbox in
            try await TestEnv.with("whtrade", environment: TradeFixture.environment(sandbox).merging(Self.allow) { _, new in new }) { s in
                let f = try await TradeFixture.make(s, sandbox)
                _ = try await s.subscribeWebhooks(f.handle, url: Self.nowhere, events: [.tradingAccountOpened, .transferSettled])
                let opened = try await f.open()
                let t = try await f.transfer(opened.account, .toAccount, 12_345)
                #expect(t.state == .posted)
                let events = try await s.webhookEvents(f.handle)
                #expect(events.map(\.type) == ["trading_account.opened", "transfer.settled"])
                #expect(Self.data(events[0])["login"] as? String == opened.account.login)
                #expect(Self.data(events[0])["leverage"] as? Int == 100)
                #expect(Self.data(events[0])["kind"] as? String == "live")
                #expect(Self.money(Self.data(events[1])["amount"]) == ["amount": "123.45", "currency": "USD"])
                #expect(Self.data(events[1])["direction"] as? String == "to_account")
                #expect(Self.data(events[1])["trading_account_id"] as? String == opened.account.id.uuidString.lowercased())
            }
        }
    }

    @Test("commission.settled when a settlement is posted to the IB's wallet")
    func commission() async throws {
        try await TestEnv.with("whcomm", environment: Self.allow) { s in
            let f = try await SettlementFixture.make(s, prefix: "whcomm")
            _ = try await s.subscribeWebhooks(f.handle, url: Self.nowhere, events: [.commissionSettled])
            try await f.line(4_250, at: "2026-12-03T10:00:00Z", deal: 1)
            _ = try await s.settlements.run(tenant: f.handle, program: SettlementFixture.program("daily"), now: SettlementFixture.at("2026-12-06T08:00:00Z"))
            _ = try await s.settlements.postApproved(tenant: f.handle)
            let events = try await s.webhookEvents(f.handle)
            #expect(events.map(\.type) == ["commission.settled"])
            #expect(Self.money(Self.data(events.first)["amount"]) == ["amount": "42.50", "currency": "USD"])
            #expect(Self.data(events.first)["partner_id"] as? String == f.partner.uuidString.lowercased())
            #expect(Self.data(events.first)["period_start"] as? String == "2026-12-03")
        }
    }
}
