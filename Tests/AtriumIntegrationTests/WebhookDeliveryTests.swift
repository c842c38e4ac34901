import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import AtriumWebhooks
import Foundation
import PostgresNIO
import Testing

/// Outbound webhook delivery against a real local receiver: retry then success, replay, the
/// 3-day window, the outbox rolling back with its transaction, and one sender at a time.
@Suite("Webhook delivery: signed POSTs, retries, replay, outbox", .serialized, .timeLimit(.minutes(3)))
struct WebhookDeliveryTests {
    struct Env: Sendable {
        let s: AppServices
        let aurora: TenantHandle
        let receiver: WebhookReceiver
    }

    static let env = Task { () throws -> Env in
        let s = try await TestEnv.started("webhooks", environment: ["ATRIUM_WEBHOOKS_ALLOW_PRIVATE": "1"])
        try await TestEnv.applyBrands(["aurora"], to: s)
        let aurora = try #require(try await s.registry.tenant(slug: "aurora")).handle
        return Env(s: s, aurora: aurora, receiver: try await WebhookReceiver.start())
    }

    /// A fresh endpoint for one case (earlier cases' endpoints are disabled), and one registered client.
    static func subscribed(_ e: Env, answers: [Int]) async throws -> (endpoint: UUID, client: UUID) {
        try await e.s.tenantDB.transaction(e.aurora) { tx in try await tx.query("UPDATE webhook_endpoints SET enabled = false") }
        let endpoint = try await e.s.subscribeWebhooks(e.aurora, url: e.receiver.url, events: [.clientRegistered])
        e.receiver.use(secret: endpoint.secret)
        e.receiver.answer(answers)
        let client = try await e.s.tenantDB.transaction(e.aurora) { tx in
            try #require(try await Users.create(audience: .trader, email: "wh-\(UUID().uuidString.prefix(8))@aurora.test", name: "Hook Client",
                                                country: "GB", passwordHash: nil, in: tx))
        }
        return (endpoint.id, client)
    }

    static func delivery(_ e: Env, endpoint: UUID) async throws -> (id: UUID, status: String, attempts: Int, code: Int?, event: UUID) {
        try await e.s.tenantDB.transaction(e.aurora) { tx in
            let r = try #require(try await tx.query("""
                SELECT id, status, attempts, last_status_code, event_id FROM webhook_deliveries WHERE endpoint_id = \(endpoint) AND replay_of IS NULL
                """).collect().first?.decode((UUID, String, Int, Int?, UUID).self))
            return (r.0, r.1, r.2, r.3, r.4)
        }
    }

    @Test("a 500 is recorded as a failed attempt and retried a minute later; the retry succeeds with a signature the receiver verifies")
    func retryThenSuccess() async throws {
        // setup
        let e = try await Self.env.value
        let (endpoint, client) = try await Self.subscribed(e, answers: [500, 200])
        let before = e.receiver.received.count
        let d = try await Self.delivery(e, endpoint: endpoint)
        // MUT: the first attempt
        #expect(try await e.s.webhookSender.deliver(d.id, tenant: e.aurora))
        // validate
        var now = try await Self.delivery(e, endpoint: endpoint)
        #expect(now.status == "pending")
        #expect(now.attempts == 1)
        #expect(now.code == 500)
        let wait = try await e.s.tenantDB.transaction(e.aurora) { tx in
            try #require(try await tx.query("SELECT extract(epoch FROM next_attempt_at - now())::int FROM webhook_deliveries WHERE id = \(d.id)")
                .collect().first?.decode(Int.self))
        }
        #expect((55...60).contains(wait))
        // not due yet: a second job does nothing
        #expect(try await e.s.webhookSender.deliver(d.id, tenant: e.aurora) == false)
        // MUT: the minute passes
        try await e.s.tenantDB.transaction(e.aurora) { tx in try await tx.query("UPDATE webhook_deliveries SET next_attempt_at = now() WHERE id = \(d.id)") }
        #expect(try await e.s.webhookSender.deliver(d.id, tenant: e.aurora))
        // validate
        now = try await Self.delivery(e, endpoint: endpoint)
        #expect(now.status == "succeeded")
        #expect(now.attempts == 2)
        #expect(now.code == 200)
        let attempts = try await e.s.tenantDB.transaction(e.aurora) { tx in try await WebhookDeliveries.attempts(d.id, in: tx) }
        #expect(attempts.map(\.statusCode) == [500, 200])
        #expect(attempts.map(\.attempt) == [1, 2])
        let got = Array(e.receiver.received.dropFirst(before))
        #expect(got.count == 2)
        #expect(got.map(\.verified) == [true, true])
        #expect(got.map(\.eventID) == [d.event.uuidString.lowercased(), d.event.uuidString.lowercased()])
        #expect(got.map(\.eventType) == ["client.registered", "client.registered"])
        let body = try #require(try JSONSerialization.jsonObject(with: Data(got[1].body)) as? [String: Any])
        #expect(body["type"] as? String == "client.registered")
        #expect(body["id"] as? String == d.event.uuidString.lowercased())
        #expect((body["data"] as? [String: Any])?["client_id"] as? String == client.uuidString.lowercased())
        #expect((body["created"] as? String)?.hasSuffix("Z") == true)
        // a wrong secret does not verify the same bytes
        #expect(WebhookReceiver.verify(header: got[1].signature, body: got[1].body, secret: "whsec_other") == false)
    }

    @Test("replay sends the same event again as a new delivery (replay_of set, audited); the receiver sees the same event id twice")
    func replay() async throws {
        let e = try await Self.env.value
        let (endpoint, _) = try await Self.subscribed(e, answers: [])
        let d = try await Self.delivery(e, endpoint: endpoint)
        #expect(try await e.s.webhookSender.deliver(d.id, tenant: e.aurora))
        let before = e.receiver.received.count
        // MUT
        let replayID = try await e.s.tenantDB.transaction(e.aurora) { tx in
            try await WebhookDeliveries.replay(d.id, actor: "staff:test", requestID: "r-replay", in: tx)
        }
        #expect(try await e.s.webhookSender.deliver(replayID, tenant: e.aurora))
        // validate
        let (status, replayOf, event, audits) = try await e.s.tenantDB.transaction(e.aurora) { tx in
            let r = try #require(try await tx.query("SELECT status, replay_of, event_id FROM webhook_deliveries WHERE id = \(replayID)")
                .collect().first?.decode((String, UUID?, UUID).self))
            let a = try await tx.query("SELECT count(*)::int FROM audit_log WHERE action = 'webhook.delivery_replayed' AND request_id = 'r-replay'")
                .collect().first?.decode(Int.self) ?? 0
            return (r.0, r.1, r.2, a)
        }
        #expect(status == "succeeded")
        #expect(replayOf == d.id)
        #expect(event == d.event)
        #expect(audits == 1)
        let got = Array(e.receiver.received.dropFirst(before))
        #expect(got.map(\.eventID) == [d.event.uuidString.lowercased()])
        #expect(got.first?.verified == true)
    }

    @Test("after the 3-day window a failing delivery is marked failed, with no further job")
    func windowEnds() async throws {
        let e = try await Self.env.value
        let (endpoint, _) = try await Self.subscribed(e, answers: [503])
        let d = try await Self.delivery(e, endpoint: endpoint)
        // setup: the delivery was made 3 days ago and its last retry is due
        try await e.s.tenantDB.transaction(e.aurora) { tx in
            try await tx.query("""
                UPDATE webhook_deliveries SET created_at = now() - interval '3 days 1 minute', next_attempt_at = now(), attempts = 7 WHERE id = \(d.id)
                """)
        }
        let jobsBefore = try await Self.deliveryJobs(e, d.id)
        // MUT
        #expect(try await e.s.webhookSender.deliver(d.id, tenant: e.aurora))
        // validate
        let now = try await Self.delivery(e, endpoint: endpoint)
        #expect(now.status == "failed")
        #expect(now.attempts == 8)
        #expect(now.code == 503)
        #expect(try await Self.deliveryJobs(e, d.id) == jobsBefore)
        // a failed delivery is not sent again by a late job
        #expect(try await e.s.webhookSender.deliver(d.id, tenant: e.aurora) == false)
    }

    static func deliveryJobs(_ e: Env, _ id: UUID) async throws -> Int {
        try await e.s.database.platform { conn in
            try await conn.query("SELECT count(*)::int FROM platform.jobs WHERE kind = 'webhook.deliver' AND payload->>'delivery_id' = \(id.uuidString.lowercased())",
                                 logger: e.s.logger).collect().first?.decode(Int.self) ?? -1
        }
    }

    @Test("an event written in a transaction that rolls back leaves no event, no delivery and no job; a committed one leaves one of each")
    func outboxRollsBack() async throws {
        let e = try await Self.env.value
        let (endpoint, _) = try await Self.subscribed(e, answers: [])
        struct Abort: Error {}
        let email = "rolled-\(UUID().uuidString.prefix(8))@aurora.test"
        // MUT
        await #expect(throws: Abort.self) {
            try await e.s.tenantDB.transaction(e.aurora) { tx -> Void in
                _ = try await Users.create(audience: .trader, email: email, name: "Rolled Back", country: "GB", passwordHash: nil, in: tx)
                throw Abort()
            }
        }
        // validate
        let (events, deliveries) = try await e.s.tenantDB.transaction(e.aurora) { tx in
            (try await tx.query("SELECT count(*)::int FROM webhook_events WHERE payload->'data'->>'email' = \(email)").collect().first?.decode(Int.self) ?? -1,
             try await tx.query("SELECT count(*)::int FROM webhook_deliveries WHERE endpoint_id = \(endpoint)").collect().first?.decode(Int.self) ?? -1)
        }
        #expect(events == 0)
        #expect(deliveries == 1)   // only the setup client's
        // the setup client's committed event has exactly one delivery and one job
        let d = try await Self.delivery(e, endpoint: endpoint)
        #expect(try await Self.deliveryJobs(e, d.id) == 1)
    }

    @Test("two senders at once: the row lock lets one send, the other skips")
    func oneSenderAtATime() async throws {
        let e = try await Self.env.value
        let (endpoint, _) = try await Self.subscribed(e, answers: [])
        let d = try await Self.delivery(e, endpoint: endpoint)
        let before = e.receiver.received.count
        // MUT
        async let a = e.s.webhookSender.deliver(d.id, tenant: e.aurora)
        async let b = e.s.webhookSender.deliver(d.id, tenant: e.aurora)
        let sent = try await [a, b].filter { $0 }.count
        // validate
        #expect(sent == 1)
        #expect(e.receiver.received.count - before == 1)
        #expect(try await Self.delivery(e, endpoint: endpoint).attempts == 1)
    }

    @Test("a disabled endpoint gets no delivery for new events")
    func disabledEndpoint() async throws {
        let e = try await Self.env.value
        let (endpoint, _) = try await Self.subscribed(e, answers: [])
        try await e.s.tenantDB.transaction(e.aurora) { tx in try await WebhookEndpoints.setEnabled(endpoint, false, actor: "test", requestID: "", in: tx) }
        _ = try await e.s.tenantDB.transaction(e.aurora) { tx in
            try await Users.create(audience: .trader, email: "off-\(UUID().uuidString.prefix(8))@aurora.test", name: "Off", passwordHash: nil, in: tx)
        }
        let count = try await e.s.tenantDB.transaction(e.aurora) { tx in
            try await tx.query("SELECT count(*)::int FROM webhook_deliveries WHERE endpoint_id = \(endpoint)").collect().first?.decode(Int.self) ?? -1
        }
        #expect(count == 1)
    }
}
