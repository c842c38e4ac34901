import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumWebhooks
import Foundation
import Testing

/// The webhook screens in a real browser, as Super Admin, against a local receiver: add an
/// endpoint, see its deliveries (a 500 then a 200), replay one, disable the endpoint.
/// Screenshots: `.atrium/screenshots/webhooks-*.png`.
@Suite("Webhooks in a real browser", .serialized, .timeLimit(.minutes(4)))
struct WebhookBrowserTests {
    static let shots = TestCluster.repoRoot + "/.atrium/screenshots"

    @Test("add an endpoint (secret shown once) → a delivery fails with 500, is retried and succeeds → replay → disable")
    func endpointLifecycle() async throws {
        // setup
        let s = try await TestEnv.started("webhookbrowser", environment: ["ATRIUM_WEBHOOKS_ALLOW_PRIVATE": "1"])
        try await TestEnv.applyBrands(["aurora"], to: s)
        let aurora = try #require(try await s.registry.tenant(slug: "aurora")).handle
        _ = try await SettlementRouteTests.staff(s, aurora, [("super@aurora.test", .superAdmin)])
        let receiver = try await WebhookReceiver.start()
        receiver.answer([500])
        try await withLiveServer(s) { port in
            try await ChromeDriver.withBrowser(width: 1280, height: 1000) { b in
                func url(_ path: String) -> String { "http://aurora.localhost:\(port)\(path)" }
                func shot(_ name: String) async throws { _ = try await b.screenshot(to: "\(Self.shots)/\(name).png") }
                try await b.open(url("/admin"))
                try await b.fill(["email": "super@aurora.test", "password": "staff-pass-1234"], in: "#login-form")
                try await b.submit("#login-form")
                _ = try await b.waitFor(css: "#logout-form", timeout: .seconds(20))
                // MUT: the nav entry and the form
                try await b.find("a[href='/admin/webhooks']").click()
                _ = try await b.waitFor(css: "#webhook-new-form", timeout: .seconds(10))
                try await b.fill(["url": receiver.url, "description": "CRM sync"], in: "#webhook-new-form")
                try await b.find("input[name='event_client_registered']").click()
                try await b.find("input[name='event_payment_succeeded']").click()
                try await shot("webhooks-1-new")
                try await b.submit("#webhook-new-form")
                let secretBox = try await b.waitFor(css: "#webhook-secret code", timeout: .seconds(10))
                let secret = try await secretBox.text()
                #expect(secret.hasPrefix("whsec_"))
                receiver.use(secret: secret)
                try await shot("webhooks-2-created")
                let endpoint = try await s.tenantDB.transaction(aurora) { tx in
                    try #require(try await tx.query("SELECT id FROM webhook_endpoints").collect().first?.decode(UUID.self))
                }
                let path = "admin/webhooks/\(endpoint.uuidString.lowercased())"
                // an event: the worker's first attempt gets the 500
                _ = try await s.tenantDB.transaction(aurora) { tx in
                    try await Users.create(audience: .trader, email: "browser-hook@aurora.test", name: "Browser Hook", country: "GB", passwordHash: nil, in: tx)
                }
                let delivery = try await Self.waitForAttempt(s, aurora)
                try await b.open(url("/\(path)"))
                let row = try await b.waitFor(css: "#webhook-deliveries tr[data-delivery='\(delivery.uuidString.lowercased())']", timeout: .seconds(10))
                #expect(try await row.find("td.code").text() == "500")
                #expect(try await row.attribute("data-status") == "pending")
                try await shot("webhooks-3-failed-attempt")
                // the retry comes due and succeeds
                try await s.tenantDB.transaction(aurora) { tx in try await tx.query("UPDATE webhook_deliveries SET next_attempt_at = now() WHERE id = \(delivery)") }
                #expect(try await s.webhookSender.deliver(delivery, tenant: aurora))
                try await b.open(url("/\(path)"))
                let done = try await b.waitFor(css: "#webhook-deliveries tr[data-status='succeeded']", timeout: .seconds(10))
                #expect(try await done.find("td.code").text() == "200")
                #expect(try await done.find("td.num").text() == "2")
                #expect(try await done.text().contains("next try") == false, "a delivered event has no next try")
                try await shot("webhooks-4-succeeded")
                // replay
                try await done.find("button.replay").click()
                _ = try await b.waitFor(css: ".alert-notice", timeout: .seconds(10))
                #expect(try await b.find(".alert-notice").text() == "The event was queued for delivery again.")
                for _ in 0..<50 where receiver.received.count < 3 { try await Task.sleep(for: .milliseconds(200)) }
                try await b.open(url("/\(path)"))
                _ = try await b.waitFor(css: "#webhook-deliveries tr[data-delivery]:nth-child(2)", timeout: .seconds(10))
                #expect(try await b.findAll("#webhook-deliveries tr[data-delivery]").count == 2)
                try await shot("webhooks-5-replayed")
                // disable
                try await b.find("#disable-endpoint").click()
                _ = try await b.waitFor(css: "#enable-endpoint", timeout: .seconds(10))
                #expect(try await b.find("#endpoint-state").text() == "Disabled")
                try await shot("webhooks-6-disabled")
            }
        }
        // validate: the receiver got the event three times (500, 200, replay), all signed, one event id
        let got = receiver.received
        #expect(got.count == 3)
        #expect(got.map(\.verified) == [true, true, true])
        #expect(Set(got.map(\.eventID)).count == 1)
    }

    /// The first delivery of the tenant once the worker has made an attempt.
    static func waitForAttempt(_ s: AppServices, _ tenant: TenantHandle) async throws -> UUID {
        for _ in 0..<100 {
            let row = try await s.tenantDB.transaction(tenant) { tx in
                try await tx.query("SELECT id FROM webhook_deliveries WHERE attempts > 0 LIMIT 1").collect().first?.decode(UUID.self)
            }
            if let row { return row }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw WebhookError.notFound
    }
}
