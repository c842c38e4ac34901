import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// A brand's API key works only on its own brand's host, only while live, only for its scopes,
/// and a Back Office session cookie is no substitute for it.
@Suite("API keys: isolation by brand, revocation, scopes, no cookies", .timeLimit(.minutes(3)))
struct APIKeyIsolationTests {
    @Test("Aurora's key on Meridian's host → 401; Meridian's client id through Aurora → 404; Aurora's own client → 200")
    func brandIsolation() async throws {
        try await APIKeyFixture.with { f, client in
            // setup
            let mine = "iso-\(UUID().uuidString.prefix(8).lowercased())"
            let meridianClient = try #require(try await f.s.tenantDB.transaction(f.meridian.handle) { tx in
                try await Users.create(audience: .trader, email: "\(mine)@meridian.test", name: "Meridian Only", country: "GB", passwordHash: nil, in: tx)
            })
            let auroraClient = try #require(try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                try await Users.create(audience: .trader, email: "\(mine)@aurora.test", name: "Aurora Own", country: "GB", passwordHash: nil, in: tx)
            })
            let key = try await f.key(f.aurora, [.clientsRead])
            // MUT / validate
            let foreignHost = try await APIKeyFixture.api(client, host: "meridian.localhost", "/api/v1/clients", token: key.token)
            #expect(foreignHost.status == .unauthorized)
            #expect(foreignHost.headers[.contentType] == "application/problem+json")
            #expect(foreignHost.headers[.wwwAuthenticate] == "Bearer")
            let foreignID = try await APIKeyFixture.api(client, "/api/v1/clients/\(meridianClient.uuidString.lowercased())", token: key.token)
            #expect(foreignID.status == .notFound)
            #expect(foreignID.json["status"] as? Int == 404)
            let own = try await APIKeyFixture.api(client, "/api/v1/clients/\(auroraClient.uuidString.lowercased())", token: key.token)
            #expect(own.status == .ok)
            #expect(own.json["email"] as? String == "\(mine)@aurora.test")
        }
    }

    @Test("a revoked key → 401 on the next request; a key without clients:read → 403 naming clients:read")
    func revokedAndScopes() async throws {
        try await APIKeyFixture.with { f, client in
            // setup
            let key = try await f.key(f.aurora, [.clientsRead])
            let paymentsOnly = try await f.key(f.aurora, [.paymentsRead, .tradingRead])
            #expect(try await APIKeyFixture.api(client, "/api/v1/clients", token: key.token).status == .ok)
            // MUT
            _ = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                try await APIKeys.revoke(id: key.id, actor: "test", requestID: "req-revoke", in: tx)
            }
            // validate
            let revoked = try await APIKeyFixture.api(client, "/api/v1/clients", token: key.token)
            #expect(revoked.status == .unauthorized)
            #expect(revoked.json["status"] as? Int == 401)
            let scoped = try await APIKeyFixture.api(client, "/api/v1/clients", token: paymentsOnly.token)
            #expect(scoped.status == .forbidden)
            #expect(scoped.json["scope"] as? String == "clients:read")
            #expect((scoped.json["detail"] as? String)?.contains("clients:read") == true)
        }
    }

    @Test("a signed-in Super Admin's cookies without a key → 401; the cookies add nothing to a key either")
    func noCookies() async throws {
        try await APIKeyFixture.with { f, client in
            // setup: a real staff session (the admin holds every permission)
            let admin = try await APIKeyFixture.staff(client, email: "admin@aurora.test", password: "admin-demo-pass")
            #expect(try await admin.get("/admin/api-keys").status == .ok)
            let paymentsOnly = try await f.key(f.aurora, [.paymentsRead])
            // MUT / validate
            let cookieOnly = try await APIKeyFixture.api(client, "/api/v1/clients", token: nil, cookie: admin.cookieHeader)
            #expect(cookieOnly.status == .unauthorized)
            #expect(cookieOnly.json["status"] as? Int == 401)
            let both = try await APIKeyFixture.api(client, "/api/v1/clients", token: paymentsOnly.token, cookie: admin.cookieHeader)
            #expect(both.status == .forbidden)
            #expect(both.json["scope"] as? String == "clients:read")
        }
    }
}
