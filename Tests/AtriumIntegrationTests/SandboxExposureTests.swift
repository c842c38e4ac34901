import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumLedger
import AtriumPayments
import AtriumSandboxWeb
import AtriumStorage
import Crypto
import Foundation
import NIOHTTP1
import Testing

/// Defects 1, 4 and 5 against a real `atrium serve` (development, as the demo runs it): the
/// sandbox PSP answers only on its own host, its callbacks cannot be forged from the source,
/// it POSTs only to this server's brands, and `/metrics` is never on a public host.
@Suite("Sandbox and metrics exposure", .timeLimit(.minutes(3)))
struct SandboxExposureTests {
    /// Demo brands applied, a pending 314.00 USD card deposit of an aurora trader, and `atrium serve` running.
    static func withServer(_ name: String, extra: [String: String] = [:],
                           _ body: @Sendable (AppServices, Int, String) async throws -> Void) async throws {
        try await TestEnv.with(name) { s in
            _ = try await PortalTests.applyDemoBrands(s)
            let tenant = try #require(try await s.registry.tenant(slug: "aurora"))
            let reference = "D-FORGE\(Token.random(bytes: 4).uppercased().filter { $0.isLetter || $0.isNumber })"
            try await s.tenantDB.transaction(tenant.handle) { tx in
                let id = try #require(try await Users.create(audience: .trader, email: "\(reference.lowercased())@aurora.test", name: "Forger", country: "GB",
                                                             passwordHash: nil, in: tx))
                try await tx.query("""
                    INSERT INTO payments (kind, user_id, psp_id, psp_type, currency, amount, status, reference, idempotency_key)
                    VALUES ('deposit', \(id), 'sandbox-card', 'sandbox', 'USD', 31400, 'created', \(reference), \(reference))
                    """)
            }
            let port = try ChromeDriver.freePort()
            var env = s.config.environment
            env["ATRIUM_PORT"] = "\(port)"
            env["ATRIUM_LOG_LEVEL"] = "warning"
            env.merge(extra) { _, new in new }
            let server = try AtriumRun(["serve"], environment: env, log: s.config.home + "/serve-\(port).log")
            do {
                try await server.waitUntilHealthy(port: port)
                try await body(s, port, reference)
            } catch {
                await server.stop()
                throw error
            }
            await server.stop()
        }
    }

    static func status(_ s: AppServices, reference: String) async throws -> String {
        let tenant = try #require(try await s.registry.tenant(slug: "aurora"))
        return try await s.tenantDB.transaction(tenant.handle) { tx in
            try await tx.query("SELECT status FROM payments WHERE reference = \(reference)").collect().first?.decode(String.self) ?? "missing"
        }
    }

    static func paidEvent(_ reference: String) -> [UInt8] {
        Array(#"{"id":"evt_\#(reference)","type":"checkout.session.completed","data":{"object":{"amount_total":31400,"currency":"usd","client_reference_id":"\#(reference)","payment_status":"paid"}}}"#.utf8)
    }

    @Test("a callback signed with the secret computable from the source is refused; the real secret is accepted")
    func forgedCallbackRefused() async throws {
        try await Self.withServer("forged") { s, port, reference in
            // What an outsider could compute before: HMAC-SHA256 keyed with a constant from the source.
            let guessable = "whsec_" + HMAC<SHA256>.authenticationCode(for: Array("sk_sandbox_aurora_sandbox-card".utf8),
                                                                       using: SymmetricKey(data: Array("atrium-sandbox-psp".utf8)))
                .map { String(format: "%02x", $0) }.joined()
            let body = Self.paidEvent(reference)
            func send(_ secret: String) async throws -> RawHTTP.Reply {
                try await RawHTTP.send("http://127.0.0.1:\(port)/psp/callback/sandbox-card", host: "aurora.localhost:\(port)",
                                       headers: [("Stripe-Signature", StripeSignature.header(secret: secret, timestamp: Int(Date().timeIntervalSince1970), body: body))],
                                       body: body)
            }
            let forged = try await send(guessable)
            #expect(forged.status == 400)
            #expect(try await Self.status(s, reference: reference) == "created")
            // The sandbox's real secret comes from the master key this server shares with the test.
            let brand = try #require(try await s.registry.tenant(slug: "aurora")?.config)
            let real = try #require(s.payments.psp(brand, id: "sandbox-card")?.webhookSecret)
            #expect(real != guessable)
            #expect(try await send(real).status == 200)
            #expect(try await Self.status(s, reference: reference) == "succeeded")
        }
    }

    @Test("the sandbox PSP and /metrics answer 404 on brand and console hosts")
    func brandHostsExposeNothing() async throws {
        try await Self.withServer("exposure") { s, port, _ in
            for host in ["aurora.localhost:\(port)", "ops.localhost:\(port)"] {
                for (method, path) in [(HTTPMethod.GET, "/metrics"), (.GET, "/sandbox-psp"), (.POST, "/sandbox-psp/control"),
                                       (.POST, "/sandbox-psp/v1/checkout/sessions")] {
                    let reply = try await RawHTTP.send("http://127.0.0.1:\(port)\(path)", method: method, host: host,
                                                       headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                                       body: method == .POST ? RawHTTP.form(["fail_checkouts": "1"]) : nil)
                    #expect(reply.status == 404, "\(method) \(host)\(path) answered \(reply.status)")
                }
            }
            // The sandbox host itself still serves the demo's sandbox, and its switches were not flipped.
            let dashboard = try await RawHTTP.send("http://127.0.0.1:\(port)/sandbox-psp", method: .GET)
            #expect(dashboard.status == 200)
            #expect(dashboard.body.contains("fail_checkouts=false"))
        }
    }

    @Test("/metrics is served on the internal listener of ATRIUM_METRICS_ADDRESS")
    func metricsOnInternalListener() async throws {
        let metricsPort = try ChromeDriver.freePort()
        try await Self.withServer("metrics", extra: ["ATRIUM_METRICS_ADDRESS": "127.0.0.1:\(metricsPort)"]) { _, port, _ in
            _ = try await RawHTTP.send("http://127.0.0.1:\(port)/", method: .GET, host: "aurora.localhost:\(port)")
            let metrics = try await RawHTTP.send("http://127.0.0.1:\(metricsPort)/metrics", method: .GET)
            #expect(metrics.status == 200)
            #expect(metrics.body.contains("hb_requests"))
            #expect(try await RawHTTP.send("http://127.0.0.1:\(port)/metrics", method: .GET, host: "aurora.localhost:\(port)").status == 404)
        }
    }

    @Test("the sandbox PSP refuses a notify_url outside this server's brands with 400")
    func notifyURLRestricted() async throws {
        try await Self.withServer("notify") { s, port, _ in
            let brand = try #require(try await s.registry.tenant(slug: "aurora")?.config)
            let key = try #require(s.payments.psp(brand, id: "sandbox-card")?.apiKey)
            func create(notify: String, success: String = "http://aurora.localhost/wallet") async throws -> RawHTTP.Reply {
                try await RawHTTP.send("http://127.0.0.1:\(port)/sandbox-psp/v1/checkout/sessions",
                                       headers: [("Authorization", "Bearer \(key)"), ("Content-Type", "application/x-www-form-urlencoded")],
                                       body: RawHTTP.form(["amount": "1000", "currency": "usd", "client_reference_id": "D-SSRF",
                                                           "success_url": success, "cancel_url": "http://aurora.localhost/wallet", "notify_url": notify]))
            }
            let outside = try await create(notify: "http://169.254.169.254/latest/meta-data/")
            #expect(outside.status == 400)
            #expect(outside.body.contains("notify_url"))
            #expect(try await create(notify: "http://127.0.0.1:5432/psp/callback/sandbox-card").status == 400)
            #expect(try await create(notify: "http://aurora.localhost:\(port)/admin").status == 400)
            #expect(try await create(notify: "http://aurora.localhost:\(port)/psp/callback/sandbox-card", success: "https://evil.example/").status == 400)
            let allowed = try await create(notify: "http://aurora.localhost:\(port)/psp/callback/sandbox-card")
            #expect(allowed.status == 200)
            #expect(allowed.body.contains("cs_test_"))
        }
    }
}

/// In production the sandbox PSP is off: a brand's sandbox PSP is not configured and its
/// callbacks are refused even when signed with a secret from the environment (defect 1).
@Suite("Sandbox PSP in production", .timeLimit(.minutes(2)))
struct SandboxPSPProductionTests {
    @Test("a sandbox PSP's callback is refused in production, even signed with its configured secret")
    func productionRefusesSandboxCallbacks() async throws {
        let key = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
        try await TestEnv.with("prodcallback", environment: ["ATRIUM_ENV": "production", "ATRIUM_MASTER_KEY": key,
                                                             "ATRIUM_SECURE_COOKIES": "true", "AURORA_SANDBOX_SECRET": "whsec_configured"]) { s in
            _ = try await PortalTests.applyDemoBrands(s)
            let tenant = try #require(try await s.registry.tenant(slug: "aurora"))
            let brand = try #require(tenant.config)
            let psp = try #require(s.payments.psp(brand, id: "sandbox-card"))
            #expect(!psp.isConfigured)
            #expect(psp.problems == ["endpoint: the sandbox PSP is served only in development (ATRIUM_ENV=development)"])
            let body = SandboxExposureTests.paidEvent("D-PRODUCTION1")
            let header = StripeSignature.header(secret: "whsec_configured", timestamp: Int(Date().timeIntervalSince1970), body: body)
            let receipt = try await s.payments.receiveCallback(tenant: tenant.handle, brand: brand, pspID: "sandbox-card",
                                                               headers: ["stripe-signature": header], body: body)
            #expect(receipt == .rejected(.notConfigured))
        }
    }
}

/// The sandbox PSP's memory is bounded by count and age (defect 4).
@Suite("Sandbox PSP pruning", .timeLimit(.minutes(2)))
struct SandboxPSPPruningTests {
    @Test("sessions beyond the count limit and older than the age limit are dropped")
    func pruning() async throws {
        try await TestEnv.with("sandboxprune") { s in
            _ = try await PortalTests.applyDemoBrands(s)
            let psp = try #require(SandboxSites.psp(services: s, limits: .init(maxAge: 1, maxEntries: 3)))
            try await withLiveServer(s, development: SandboxSites.development(psp: psp, services: s)) { port in
                let brand = try #require(try await s.registry.tenant(slug: "aurora")?.config)
                let key = try #require(s.payments.psp(brand, id: "sandbox-card")?.apiKey)
                func create(_ n: Int) async throws -> Int {
                    try await RawHTTP.send("http://127.0.0.1:\(port)/sandbox-psp/v1/checkout/sessions",
                                           headers: [("Authorization", "Bearer \(key)"), ("Content-Type", "application/x-www-form-urlencoded")],
                                           body: RawHTTP.form(["amount": "1000", "currency": "usd", "client_reference_id": "D-PRUNE\(n)",
                                                               "success_url": "http://aurora.localhost/wallet", "cancel_url": "http://aurora.localhost/wallet",
                                                               "notify_url": "http://aurora.localhost/psp/callback/sandbox-card"])).status
                }
                for n in 1...5 { #expect(try await create(n) == 200) }
                #expect(psp.counts.sessions == 3)
                try await Task.sleep(for: .milliseconds(1_200))
                #expect(try await create(6) == 200)
                #expect(psp.counts.sessions == 1)
            }
        }
    }
}
