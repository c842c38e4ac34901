import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumWebhooks
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

/// The Back Office webhook screens with the production SSRF guard (no development switch):
/// who may use them, the 422 for every refused address range, and the audited actions.
@Suite("Webhook Back Office: access, SSRF guard, endpoint actions", .serialized, .timeLimit(.minutes(3)))
struct WebhookAdminTests {
    struct Env: Sendable {
        let s: AppServices
        let aurora: TenantHandle
    }

    static let env = Task { () throws -> Env in
        let s = try await TestEnv.started("webhookadmin")
        try await TestEnv.applyBrands(["aurora"], to: s)
        let aurora = try #require(try await s.registry.tenant(slug: "aurora")).handle
        _ = try await SettlementRouteTests.staff(s, aurora, [("super@aurora.test", .superAdmin), ("compliance@aurora.test", .compliance),
                                                              ("finance@aurora.test", .finance), ("sales@aurora.test", .sales), ("support@aurora.test", .support)])
        return Env(s: s, aurora: aurora)
    }

    static func count(_ e: Env, _ sql: String) async throws -> Int {
        try await e.s.tenantDB.transaction(e.aurora) { tx in try await tx.query(PostgresQuery(unsafeSQL: sql)).collect().first?.decode(Int.self) ?? -1 }
    }

    @Test("Super Admin (brand.manage) opens /admin/webhooks; Compliance, Finance, Sales and Support get 403 on the list, the form and the actions")
    func access() async throws {
        let e = try await Self.env.value
        try await buildApplication(services: e.s).test(.router) { client in
            let admin = try await SettlementRouteTests.signIn(client, host: "aurora.localhost", email: "super@aurora.test")
            let page = try await admin.get("/admin/webhooks")
            #expect(page.status == .ok)
            #expect(page.body.contains("id=\"webhook-new-form\""))
            #expect(page.body.contains("href=\"/admin/webhooks\""))
            for email in ["compliance@aurora.test", "finance@aurora.test", "sales@aurora.test", "support@aurora.test"] {
                let web = try await SettlementRouteTests.signIn(client, host: "aurora.localhost", email: email)
                #expect(try await web.get("/admin/webhooks").status == .forbidden, "\(email)")
                #expect(try await web.post("/admin/webhooks", ["url": "https://8.8.8.8/x", "event_client_registered": "on"], csrfFrom: "/admin").status == .forbidden, "\(email)")
                #expect(try await web.post("/admin/webhooks/deliveries/\(UUID())/replay", [:], csrfFrom: "/admin").status == .forbidden, "\(email)")
                #expect(!(try await web.get("/admin").body.contains("href=\"/admin/webhooks\"")), "\(email) has no nav entry")
            }
        }
        #expect(try await Self.count(e, "SELECT count(*)::int FROM webhook_endpoints") == 0)
    }

    // Plain http is refused in production only (the test server runs in development): WebhookSettingTests covers it.
    @Test("every refused range, a non-http scheme and a bad URL answer 422 naming url; nothing is written", arguments: [
        ("https://127.0.0.1/hook", "loopback"), ("https://localhost/hook", "loopback"), ("https://[::1]/hook", "loopback"),
        ("https://10.1.2.3/hook", "private"), ("https://172.20.0.5/hook", "private"), ("https://192.168.0.10/hook", "private"),
        ("https://[fd00::5]/hook", "private"), ("https://169.254.169.254/latest", "link-local"), ("https://[fe80::1]/hook", "link-local"),
        ("https://0.0.0.0/hook", "unspecified"), ("https://[::]/hook", "unspecified"), ("https://224.0.0.1/hook", "multicast"),
        ("https://[::ffff:192.168.1.1]/hook", "private"), ("ftp://8.8.8.8/hook", "https"), ("not a url", "absolute"),
    ])
    func guardRefuses(_ url: String, _ reason: String) async throws {
        let e = try await Self.env.value
        try await buildApplication(services: e.s).test(.router) { client in
            let admin = try await SettlementRouteTests.signIn(client, host: "aurora.localhost", email: "super@aurora.test")
            let r = try await admin.post("/admin/webhooks", ["url": url, "description": "guard", "event_client_registered": "on"], csrfFrom: "/admin/webhooks")
            #expect(r.status == .unprocessableContent, "\(url)")
            #expect(r.body.contains("data-field=\"url\""), "\(url)")
            #expect(r.body.contains(reason), "\(url): \(reason)")
        }
        #expect(try await Self.count(e, "SELECT count(*)::int FROM webhook_endpoints") == 0)
        #expect(try await Self.count(e, "SELECT count(*)::int FROM audit_log WHERE action = 'webhook.endpoint_created'") == 0)
    }

    @Test("no event chosen is a 422 naming events; the guard also refuses at delivery time when the address is private")
    func eventsRequiredAndDeliveryGuard() async throws {
        let e = try await Self.env.value
        try await buildApplication(services: e.s).test(.router) { client in
            let admin = try await SettlementRouteTests.signIn(client, host: "aurora.localhost", email: "super@aurora.test")
            let r = try await admin.post("/admin/webhooks", ["url": "https://8.8.8.8/hook"], csrfFrom: "/admin/webhooks")
            #expect(r.status == .unprocessableContent)
            #expect(r.body.contains("data-field=\"events\""))
        }
        // An endpoint saved when its host was public now points at a private address (DNS changed):
        // written directly, as the form would refuse it. No request leaves: the guard refuses first.
        let sealed = try e.s.keys.credentials.seal("whsec_x", slug: "aurora")
        let delivery = try await e.s.tenantDB.transaction(e.aurora) { tx in
            try await tx.query("""
                INSERT INTO webhook_endpoints (url, events, secret_sealed, created_by) VALUES ('https://10.9.9.9/hook', '{client.registered}', \(sealed), 'test')
                """)
            _ = try await Users.create(audience: .trader, email: "guard@aurora.test", name: "Guard", passwordHash: nil, in: tx)
            return try #require(try await tx.query("SELECT id FROM webhook_deliveries").collect().first?.decode(UUID.self))
        }
        #expect(try await e.s.webhookSender.deliver(delivery, tenant: e.aurora))
        let (status, code, error) = try await e.s.tenantDB.transaction(e.aurora) { tx in
            try #require(try await tx.query("SELECT status, last_status_code, last_error FROM webhook_deliveries WHERE id = \(delivery)")
                .collect().first?.decode((String, Int?, String?).self))
        }
        #expect(status == "pending")
        #expect(code == nil)
        #expect(error?.contains("10.9.9.9, a private address") == true)
        try await e.s.tenantDB.transaction(e.aurora) { tx in try await tx.query("DELETE FROM webhook_endpoints") }
    }

    @Test("create shows the secret once, sealed at rest; disable, enable, show secret and delete are audited")
    func endpointActions() async throws {
        let e = try await Self.env.value
        // A public address literal: saving resolves it but sends nothing.
        try await buildApplication(services: e.s).test(.router) { client in
            let admin = try await SettlementRouteTests.signIn(client, host: "aurora.localhost", email: "super@aurora.test")
            let made = try await admin.post("/admin/webhooks", ["url": "https://8.8.8.8/hooks/atrium", "description": "BI feed",
                                                                "event_payment_succeeded": "on", "event_withdrawal_paid": "on"], csrfFrom: "/admin/webhooks")
            #expect(made.status == .created)
            let secret = try #require(made.body.range(of: "whsec_[0-9a-f]{64}", options: .regularExpression).map { String(made.body[$0]) })
            let (id, sealed, events) = try await e.s.tenantDB.transaction(e.aurora) { tx in
                try #require(try await tx.query("SELECT id, secret_sealed, events FROM webhook_endpoints").collect().first?.decode((UUID, String, [String]).self))
            }
            #expect(sealed.hasPrefix("sealed:v1:"))
            #expect(!sealed.contains(secret))
            #expect(e.s.keys.credentials.open(sealed, slug: "aurora") == secret)
            #expect(events == ["payment.succeeded", "withdrawal.paid"])
            let path = "/admin/webhooks/\(id.uuidString.lowercased())"
            #expect(try await admin.post("\(path)/disable", [:], csrfFrom: path).status == .seeOther)
            #expect(try await Self.count(e, "SELECT count(*)::int FROM webhook_endpoints WHERE NOT enabled") == 1)
            #expect(try await admin.post("\(path)/enable", [:], csrfFrom: path).status == .seeOther)
            let shown = try await admin.post("\(path)/secret", [:], csrfFrom: path)
            #expect(shown.status == .ok)
            #expect(shown.body.contains(secret))
            #expect(try await admin.get(path).body.contains(secret) == false)
            #expect(try await admin.post("\(path)/delete", [:], csrfFrom: path).status == .seeOther)
            #expect(try await Self.count(e, "SELECT count(*)::int FROM webhook_endpoints") == 0)
        }
        let actions = try await e.s.tenantDB.transaction(e.aurora) { tx in
            try await tx.query("SELECT action FROM audit_log WHERE action LIKE 'webhook.%' ORDER BY seq").collect().map { try $0.decode(String.self) }
        }
        #expect(actions == ["webhook.endpoint_created", "webhook.endpoint_disabled", "webhook.endpoint_enabled", "webhook.secret_viewed", "webhook.endpoint_deleted"])
    }
}
