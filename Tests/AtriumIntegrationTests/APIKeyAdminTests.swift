import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// The Back Office API key screens (`brand.manage`): only the Super Admin reaches them; a new
/// key's token is shown once and never again; bad input names the field; revocation works; every
/// action is audited with the staff actor and the request id.
@Suite("Back Office API keys", .timeLimit(.minutes(3)))
struct APIKeyAdminTests {
    static let tokenPattern = #"atr_[0-9a-f]{64}"#

    static func token(in html: String) -> String? {
        html.range(of: tokenPattern, options: .regularExpression).map { String(html[$0]) }
    }

    @Test("Compliance, Finance, Sales and Support get 403 on every screen and write nothing; the Super Admin gets 200 and the nav entry")
    func roles() async throws {
        try await APIKeyFixture.with { f, client in
            // setup
            let key = try await f.key(f.aurora, [.clientsRead], name: "role-target")
            let admin = try await APIKeyFixture.staff(client, email: "admin@aurora.test", password: "admin-demo-pass")
            // MUT / validate
            #expect(try await admin.get("/admin/api-keys").status == .ok)
            #expect(try await admin.get("/admin").body.contains(#"href="/admin/api-keys""#))
            for (_, name) in APIKeyFixture.roles {
                let staff = try await APIKeyFixture.staff(client, email: "\(name)@aurora.test")
                #expect(try await staff.get("/admin/api-keys").status == .forbidden, "\(name) GET")
                let create = try await staff.post("/admin/api-keys", ["name": "by \(name)", "scope_clients_read": "on"], csrfFrom: "/admin")
                #expect(create.status == .forbidden, "\(name) create")
                #expect(Self.token(in: create.body) == nil)
                let revoke = try await staff.post("/admin/api-keys/\(key.id.uuidString.lowercased())/revoke", [:], csrfFrom: "/admin")
                #expect(revoke.status == .forbidden, "\(name) revoke")
                #expect(!(try await staff.get("/admin").body.contains(#"href="/admin/api-keys""#)), "\(name) nav")
            }
            // (other suites make keys in this brand at the same time, so count only this case's names)
            #expect(try await f.value(f.aurora, "SELECT count(*)::int FROM api_keys WHERE name LIKE 'by %'") == 0)
            #expect(try await f.value(f.aurora, "SELECT count(*)::int FROM api_keys WHERE id = '\(key.id)' AND revoked_at IS NULL") == 1)
            // signed out: the sign-in page, not the screen
            #expect(try await FormClient(client, host: "aurora.localhost").get("/admin/api-keys").headers[.location] == "/admin")
        }
    }

    @Test("create shows the token once (it works on the API, the list shows only its prefix), audited as api_key.created by the staff member with the request id")
    func createShowsTokenOnce() async throws {
        try await APIKeyFixture.with { f, client in
            // setup
            let admin = try await APIKeyFixture.staff(client, email: "admin@aurora.test", password: "admin-demo-pass")
            let name = "BI export \(UUID().uuidString.prefix(6))"
            // MUT
            let created = try await admin.post("/admin/api-keys", ["name": name, "scope_clients_read": "on", "scope_payments_read": "on"], csrfFrom: "/admin/api-keys")
            // validate
            #expect(created.status == .ok)
            #expect(created.headers[.cacheControl] == "no-store")
            let token = try #require(Self.token(in: created.body))
            let id = try #require(try await f.value(f.aurora, "SELECT id FROM api_keys WHERE name = '\(name)'", as: UUID.self))
            #expect(try await f.value(f.aurora, "SELECT array_to_string(scopes, ',') FROM api_keys WHERE id = '\(id)'", as: String.self) == "clients:read,payments:read")
            #expect(try await f.value(f.aurora, "SELECT count(*)::int FROM api_keys WHERE id = '\(id)' AND token_hash = sha256(convert_to('\(token)', 'UTF8'))") == 1)
            let r = try await APIKeyFixture.api(client, "/api/v1/clients", token: token)
            #expect(r.status == .ok)
            let list = try await admin.get("/admin/api-keys")
            #expect(list.status == .ok)
            #expect(list.body.contains(name))
            let row = try #require(list.body.range(of: #"<tr data-key="\#(id.uuidString.lowercased())">[\s\S]*?</tr>"#, options: .regularExpression).map { String(list.body[$0]) })
            #expect(row.contains("admin@aurora.test"))
            #expect(list.body.contains(String(token.prefix(12)) + "…"))
            #expect(!list.body.contains(token))
            #expect(Self.token(in: list.body) == nil)
            let audit = try #require(try await f.value(f.aurora, """
                SELECT actor || '|' || request_id FROM audit_log WHERE action = 'api_key.created' AND subject = 'api_key:\(id.uuidString.lowercased())'
                """, as: String.self))
            let staffID = try #require(try await f.value(f.aurora, "SELECT id FROM users WHERE email = 'admin@aurora.test' AND audience = 'staff'", as: UUID.self))
            #expect(audit == "staff:\(staffID.uuidString.lowercased())|\(created.headers[HTTPField.Name("X-Request-Id")!] ?? "?")")
        }
    }

    @Test("a blank name → 422 naming name; no scope → 422 naming scopes; nothing written, the form keeps its values")
    func badInput() async throws {
        try await APIKeyFixture.with { f, client in
            // setup
            let admin = try await APIKeyFixture.staff(client, email: "admin@aurora.test", password: "admin-demo-pass")
            // MUT / validate
            let blank = try await admin.post("/admin/api-keys", ["name": "   ", "scope_clients_read": "on"], csrfFrom: "/admin/api-keys")
            #expect(blank.status == .unprocessableContent)
            #expect(blank.body.contains(#"data-field="name""#))
            #expect(blank.body.contains(#"data-scope="clients:read" checked"#))
            let long = try await admin.post("/admin/api-keys", ["name": String(repeating: "x", count: 101), "scope_clients_read": "on"], csrfFrom: "/admin/api-keys")
            #expect(long.status == .unprocessableContent)
            #expect(long.body.contains(#"data-field="name""#))
            let none = try await admin.post("/admin/api-keys", ["name": "No scopes"], csrfFrom: "/admin/api-keys")
            #expect(none.status == .unprocessableContent)
            #expect(none.body.contains(#"data-field="scopes""#))
            #expect(none.body.contains(#"value="No scopes""#))
            for page in [blank.body, long.body, none.body] { #expect(Self.token(in: page) == nil) }
            let forged = try await admin.post("/admin/api-keys", ["name": "No CSRF", "scope_clients_read": "on"], csrf: false)
            #expect(forged.status == .forbidden)
            // (other suites make keys in this brand at the same time, so count only this case's names)
            #expect(try await f.value(f.aurora, "SELECT count(*)::int FROM api_keys WHERE name IN ('No scopes', 'No CSRF') OR length(name) > 100 OR btrim(name) = ''") == 0)
            #expect(try await f.value(f.aurora, """
                SELECT count(*)::int FROM audit_log WHERE action = 'api_key.created' AND (after::text LIKE '%No scopes%' OR after::text LIKE '%No CSRF%')
                """) == 0)
        }
    }

    @Test("revoke: 303, the key answers 401, the list says Revoked, audited as api_key.revoked; again → 409; an unknown id → 404")
    func revoke() async throws {
        try await APIKeyFixture.with { f, client in
            // setup
            let key = try await f.key(f.aurora, [.clientsRead], name: "to revoke")
            let id = key.id.uuidString.lowercased()
            let admin = try await APIKeyFixture.staff(client, email: "admin@aurora.test", password: "admin-demo-pass")
            #expect(try await APIKeyFixture.api(client, "/api/v1/clients", token: key.token).status == .ok)
            // MUT
            let r = try await admin.post("/admin/api-keys/\(id)/revoke", [:], csrfFrom: "/admin/api-keys")
            // validate
            #expect(r.status == .seeOther)
            #expect(r.headers[.location] == "/admin/api-keys?done=revoked")
            #expect(try await APIKeyFixture.api(client, "/api/v1/clients", token: key.token).status == .unauthorized)
            let staffID = try #require(try await f.value(f.aurora, "SELECT id FROM users WHERE email = 'admin@aurora.test' AND audience = 'staff'", as: UUID.self))
            #expect(try await f.value(f.aurora, "SELECT revoked_by FROM api_keys WHERE id = '\(id)'", as: String.self) == "staff:\(staffID.uuidString.lowercased())")
            let audit = try #require(try await f.value(f.aurora, "SELECT actor || '|' || request_id FROM audit_log WHERE action = 'api_key.revoked' AND subject = 'api_key:\(id)'", as: String.self))
            #expect(audit == "staff:\(staffID.uuidString.lowercased())|\(r.headers[HTTPField.Name("X-Request-Id")!] ?? "?")")
            let list = try await admin.get("/admin/api-keys?done=revoked")
            #expect(list.body.contains("The key was revoked."))
            let row = try #require(list.body.range(of: #"<tr data-key="\#(id)">[\s\S]*?</tr>"#, options: .regularExpression).map { String(list.body[$0]) })
            #expect(row.contains("Revoked"))
            #expect(!row.contains("/revoke"))
            #expect(try await admin.post("/admin/api-keys/\(id)/revoke", [:], csrfFrom: "/admin/api-keys").status == .conflict)
            #expect(try await admin.post("/admin/api-keys/\(UUID().uuidString.lowercased())/revoke", [:], csrfFrom: "/admin/api-keys").status == .notFound)
            #expect(try await admin.post("/admin/api-keys/not-an-id/revoke", [:], csrfFrom: "/admin/api-keys").status == .notFound)
            #expect(try await f.value(f.aurora, "SELECT count(*)::int FROM audit_log WHERE subject = 'api_key:\(id)' AND action = 'api_key.revoked'") == 1)
        }
    }

    @Test("Meridian's Super Admin cannot revoke Aurora's key by id (404), and it keeps working")
    func crossBrand() async throws {
        try await APIKeyFixture.with { f, client in
            // setup
            let key = try await f.key(f.aurora, [.clientsRead], name: "aurora only")
            let meridian = FormClient(client, host: "meridian.localhost")
            #expect(try await meridian.post("/admin/login", ["email": "admin@meridian.test", "password": "admin-demo-pass"], csrfFrom: "/admin").status == .seeOther)
            // MUT / validate
            #expect(try await meridian.post("/admin/api-keys/\(key.id.uuidString.lowercased())/revoke", [:], csrfFrom: "/admin/api-keys").status == .notFound)
            #expect(!(try await meridian.get("/admin/api-keys").body.contains("aurora only")))
            #expect(try await APIKeyFixture.api(client, "/api/v1/clients", token: key.token).status == .ok)
        }
    }

    @Test("the demo key: read-only scopes, a new token each run, the previous demo key revoked; both runs audited")
    func demoKey() async throws {
        try await APIKeyFixture.with { f, client in
            // MUT
            let first = try await DemoSeed.replaceDemoAPIKey(slug: "meridian", services: f.s)
            let second = try await DemoSeed.replaceDemoAPIKey(slug: "meridian", services: f.s)
            // validate
            #expect(first.token != second.token)
            #expect(second.revoked == 1)
            #expect(try await f.value(f.meridian, "SELECT count(*)::int FROM api_keys WHERE name = 'demo read-only' AND revoked_at IS NULL") == 1)
            #expect(try await f.value(f.meridian, "SELECT array_to_string(scopes, ',') FROM api_keys WHERE name = 'demo read-only' AND revoked_at IS NULL", as: String.self)
                    == APIScope.readOnly.map(\.rawValue).joined(separator: ","))
            #expect(try await APIKeyFixture.api(client, host: "meridian.localhost", "/api/v1/clients", token: first.token).status == .unauthorized)
            #expect(try await APIKeyFixture.api(client, host: "meridian.localhost", "/api/v1/clients", token: second.token).status == .ok)
            #expect(try await f.value(f.meridian, "SELECT count(*)::int FROM audit_log WHERE actor = 'demo' AND action = 'api_key.revoked'") == 1)
            #expect((try await f.value(f.meridian, "SELECT count(*)::int FROM audit_log WHERE actor = 'demo' AND action = 'api_key.created'") ?? 0) >= 2)
        }
    }
}
