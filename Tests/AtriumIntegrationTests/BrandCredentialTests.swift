import AtriumBrandConfig
import AtriumCore
import AtriumHTTP
import AtriumPayments
import AtriumTenancy
import Foundation
import HTTPTypes
import PostgresNIO
import Testing

@Suite("Brand credentials: sealed, never shown, used by the PSP, per brand", .serialized, .timeLimit(.minutes(3)))
struct BrandCredentialTests {
    static let fixture = Task { try await BrandSettingsFixture.make("settingscredentials") }

    @Test("a webhook secret set on the page is sealed in the stored config, never shown, and is the one the PSP verifies with")
    func setThroughPage() async throws {
        // setup
        let f = try await Self.fixture.value
        let secret = "whsec-\(UUID().uuidString)"
        let before = try await f.latestVersion()
        // MUT
        try await f.signedIn("admin@aurora.test") { web in
            let r = try await web.post("/admin/settings/credentials", ["credential": "psp:sandbox-card:webhook_secret", "value": secret],
                                       csrfFrom: "/admin/settings/credentials")
            #expect(r.status == .seeOther)
            #expect(r.headers[.location] == "/admin/settings/credentials?done=saved")
            let page = try await web.get("/admin/settings/credentials")
            #expect(page.status == .ok)
            #expect(!page.body.contains(secret))
            #expect(page.body.contains("last changed by admin@aurora.test"))
            #expect(!page.body.contains("sealed:v1:"))
            // The versions page and its diff say only "changed".
            let versions = try await web.get("/admin/settings/versions")
            #expect(versions.body.contains("data-path=\"psps[0].webhook_secret\""))
            #expect(!versions.body.contains(secret) && !versions.body.contains("sealed:v1:"))
        }
        // validate
        #expect(try await f.latestVersion() == before + 1)
        let stored = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
            try await tx.query("SELECT config::text FROM brand_config_versions ORDER BY version DESC LIMIT 1").collect().first?.decode(String.self) ?? ""
        }
        #expect(!stored.contains(secret) && stored.contains("sealed:v1:"))
        let registryRow = try await f.s.database.platform { conn in
            try await conn.query("SELECT config::text FROM platform.tenants WHERE slug = 'aurora'", logger: f.s.logger).collect().first?.decode(String.self) ?? ""
        }
        #expect(!registryRow.contains(secret))
        let audit = try await f.count("SELECT count(*)::int FROM audit_log WHERE after::text LIKE '%\(secret)%' OR before::text LIKE '%\(secret)%'")
        #expect(audit == 0)
        // The sandbox PSP now verifies callbacks with the replaced secret, not the sandbox's own.
        let brand = try await f.s.brandSettings.current(slug: "aurora")
        let psp = try #require(f.s.payments.psp(brand, id: "sandbox-card"))
        #expect(psp.webhookSecret == secret)
        #expect(psp.problems.isEmpty)
    }

    @Test("a PSP callback must be signed with the replaced webhook secret; the previous one is refused")
    func callbackUsesReplacedSecret() async throws {
        // setup
        let f = try await Self.fixture.value
        let actor = try await f.actor("admin@aurora.test")
        let previous = try #require(f.s.payments.psp(try await f.s.brandSettings.current(slug: "aurora"), id: "sandbox-card")?.webhookSecret)
        let replaced = "whsec-replaced-\(UUID().uuidString.prefix(8))"
        _ = try await f.s.brandSettings.setCredential(slug: "aurora", key: "psp:sandbox-card:webhook_secret", value: replaced, actor: actor)
        @Sendable func event(_ id: String, secret: String) -> (body: [UInt8], header: String) {
            let json = #"{"id":"\#(id)","type":"checkout.session.completed","data":{"object":{"id":"cs_x","amount_total":1000,"currency":"usd","client_reference_id":"no-such-payment","payment_status":"paid"}}}"#
            let body = Array(json.utf8)
            return (body, StripeSignature.header(secret: secret, timestamp: Int(Date().timeIntervalSince1970), body: body))
        }
        try await withLiveServer(f.s) { port in
            func post(_ e: (body: [UInt8], header: String)) async throws -> RawHTTP.Reply {
                try await RawHTTP.send("http://127.0.0.1:\(port)/psp/callback/sandbox-card", host: "aurora.localhost",
                                       headers: [("Stripe-Signature", e.header), ("Content-Type", "application/json")], body: e.body)
            }
            // MUT
            let old = try await post(event("evt_old_secret", secret: previous))
            let new = try await post(event("evt_new_secret", secret: replaced))
            // validate
            #expect(old.status == 400 && old.body.contains("signature does not match"))
            #expect(!new.body.contains("signature does not match"))
        }
        #expect(try await f.count("SELECT count(*)::int FROM psp_inbox WHERE event_id = 'evt_new_secret' AND verified") == 1)
        #expect(try await f.count("SELECT count(*)::int FROM psp_inbox WHERE verified AND verify_error = '' AND event_id = 'evt_old_secret'") == 0)
    }

    @Test("a value sealed for Aurora does not open for Kite: Kite's PSP is unusable with it")
    func otherBrandCannotOpen() async throws {
        let f = try await Self.fixture.value
        let vault = f.s.keys.credentials
        let sealed = try vault.seal("key-for-aurora", slug: "aurora")
        #expect(vault.open(sealed, slug: "aurora") == "key-for-aurora")
        #expect(vault.open(sealed, slug: "kite") == nil)
        var kite = try await f.s.brandSettings.current(slug: "kite")
        let index = try #require(kite.psps?.firstIndex { $0.type != "bank_wire" })
        kite.psps?[index].apiKey = sealed
        let resolved = try #require(f.s.payments.psps(kite).first { $0.id == kite.psps?[index].id })
        #expect(resolved.apiKey == nil)
        #expect(resolved.problems.contains("api_key: the sealed credential cannot be opened with this brand's key"))
    }

    @Test("bad credential input is a 422 naming the field and writes no version")
    func badInput() async throws {
        let f = try await Self.fixture.value
        let before = try await f.latestVersion()
        try await f.signedIn("admin@aurora.test") { web in
            for (fields, field) in [(["credential": "psp:sandbox-card:api_key", "value": "   "], "value"),
                                    (["credential": "psp:nope:api_key", "value": "k"], "credential"),
                                    (["credential": "psp:bank-wire:api_key", "value": "k"], "credential"),
                                    (["credential": "psp:sandbox-card:api_key", "value": String(repeating: "k", count: 4097)], "value")] {
                let r = try await web.post("/admin/settings/credentials", fields, csrfFrom: "/admin/settings/credentials")
                #expect(r.status == .unprocessableContent, "\(fields)")
                #expect(r.body.contains("data-field=\"\(field)\""), "\(fields)")
            }
        }
        #expect(try await f.latestVersion() == before)
    }

    @Test("a platform manager password set in the Back Office is what the platform directory connects with")
    func platformPassword() async throws {
        let f = try await Self.fixture.value
        let actor = try await f.actor("admin@aurora.test")
        let brand = try await f.s.brandSettings.current(slug: "aurora")
        let platform = try #require(brand.platforms?.first { $0.type != "matchtrader" })
        let outcome = try await f.s.brandSettings.setCredential(slug: "aurora", key: "platform:\(platform.id):manager_password",
                                                                value: "Manager-Pass-9", actor: actor)
        guard case .saved = outcome else { Issue.record("\(outcome)"); return }
        let after = try await f.s.brandSettings.current(slug: "aurora")
        let connection = try #require(f.s.trading.directory.connection(after, id: platform.id))
        #expect(connection.managerPassword == "Manager-Pass-9")
    }
}
