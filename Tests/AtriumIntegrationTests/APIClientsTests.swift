import AtriumBrandAPI
import AtriumHTTP
import AtriumIdentity
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Clients and KYC through the brand API: create under the registration rules, profile edits
/// under the Back Office's rules, scopes, brand isolation, problems naming the field.
@Suite("Brand API: clients and KYC", .serialized, .timeLimit(.minutes(4)))
struct APIClientsTests {
    typealias F = APIResourceFixture

    @Test("POST /clients registers a password-less client (201, decodes as Client, audited as the key); bad fields are 422 naming /email and /country and write nothing; a taken email is 409")
    func createClient() async throws {
        let s = try await F.env.value
        let write = try await F.key(s, "aurora", [.clientsWrite, .clientsRead])
        let read = try await F.key(s, "aurora", [.clientsRead])
        try await buildApplication(services: s).test(.router) { client in
            let r = try await F.call(client, .post, "/api/v1/clients", token: write, body: ["email": "New.Client@API.test", "name": " Nia New ", "country": "GB"])
            #expect(r.status == .created)
            let created = try r.decode(AtriumBrandAPI.Components.Schemas.Client.self)
            #expect(created.email == "new.client@api.test")
            #expect(created.name == "Nia New")
            #expect(created.country == "GB")
            #expect(created.kycStatus == "not_started")
            #expect(try await F.count(s, "aurora", "SELECT count(*)::int FROM users WHERE email = 'new.client@api.test' AND password_hash IS NULL") == 1)
            #expect(try await F.count(s, "aurora", "SELECT count(*)::int FROM audit_log WHERE action = 'trader.registered' AND subject = 'new.client@api.test' AND actor LIKE 'api_key:%'") == 1)

            let bad = try await F.call(client, .post, "/api/v1/clients", token: write, body: ["email": "not-an-email", "name": "X", "country": "US"])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.type == "application/problem+json")
            #expect(bad.pointers == ["/email", "/country"])   // US is a blocked country of aurora's registration rules
            #expect(try await F.count(s, "aurora", "SELECT count(*)::int FROM users WHERE email = 'not-an-email'") == 0)

            let phone = try await F.call(client, .post, "/api/v1/clients", token: write, body: ["email": "p@api.test", "name": "P", "country": "GB", "phone": "12"])
            #expect(phone.status == .unprocessableContent)
            #expect(phone.pointers == ["/phone"])

            let nul = try await F.call(client, .post, "/api/v1/clients", token: write, body: ["email": "nul@api.test", "name": "Nul\u{0}Byte", "country": "GB"])
            #expect(nul.status == .unprocessableContent)
            #expect(nul.pointers == ["/name"])

            let again = try await F.call(client, .post, "/api/v1/clients", token: write, body: ["email": "new.client@api.test", "name": "Twin", "country": "GB"])
            #expect(again.status == .conflict)
            #expect(again.pointers == ["/email"])

            let scoped = try await F.call(client, .post, "/api/v1/clients", token: read, body: ["email": "r@api.test", "name": "R", "country": "GB"])
            #expect(scoped.status == .forbidden)
            #expect(scoped.json["scope"] as? String == "clients:write")
        }
    }

    @Test("PATCH /clients/{id} edits name and country through the Back Office's path (audited, screened); ZZ is 422 naming /country, a null name 400 naming /name; aurora's client on meridian's host is 404")
    func updateClient() async throws {
        let s = try await F.env.value
        let id = try await F.trader(s, "aurora", email: "patch@api.test")
        let write = try await F.key(s, "aurora", [.clientsWrite])
        let meridian = try await F.key(s, "meridian", [.clientsWrite, .clientsRead])
        try await buildApplication(services: s).test(.router) { client in
            let r = try await F.call(client, .patch, "/api/v1/clients/\(id)", token: write, body: ["name": "Petra Patched", "country": "FR"])
            #expect(r.status == .ok)
            #expect(r.json["name"] as? String == "Petra Patched")
            #expect(r.json["country"] as? String == "FR")
            #expect(r.json["email"] as? String == "patch@api.test")
            #expect(try await F.count(s, "aurora", "SELECT count(*)::int FROM audit_log WHERE subject LIKE '%\(id.uuidString.lowercased())%' AND actor LIKE 'api_key:%'") >= 1)

            let bad = try await F.call(client, .patch, "/api/v1/clients/\(id)", token: write, body: ["country": "ZZ"])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.pointers == ["/country"])
            #expect(try await F.count(s, "aurora", "SELECT count(*)::int FROM users WHERE id = '\(id)' AND country = 'FR'") == 1)

            let nul = try await F.call(client, .patch, "/api/v1/clients/\(id)", token: write, body: ["name": "Bad\u{7}Bell"])
            #expect(nul.pointers == ["/name"])

            // An explicit null is not "left out": no request member is nullable (schemathesis found this).
            let null = try await F.call(client, .patch, "/api/v1/clients/\(id)", token: write, body: ["country": "DE", "name": NSNull()])
            #expect(null.status == .badRequest)
            #expect(null.pointers == ["/name"])
            // A member the schema does not name is refused too, like Stripe's unknown parameters.
            let unknown = try await F.call(client, .patch, "/api/v1/clients/\(id)", token: write, body: ["country": "DE", "nickname": "P"])
            #expect(unknown.status == .badRequest)
            #expect(try await F.count(s, "aurora", "SELECT count(*)::int FROM users WHERE id = '\(id)' AND country = 'FR' AND name = 'Petra Patched'") == 1)

            let foreign = try await F.call(client, .patch, "/api/v1/clients/\(id)", host: "meridian.localhost", token: meridian, body: ["name": "Hijack"])
            #expect(foreign.status == .notFound)
            let foreignGet = try await F.call(client, .get, "/api/v1/clients/\(id)", host: "meridian.localhost", token: meridian)
            #expect(foreignGet.status == .notFound)
            #expect(foreignGet.type == "application/problem+json")
        }
    }

    @Test("GET /clients/{id}/kyc gives the status and the decisions, oldest first; clients:read alone is 403 naming kyc:read")
    func kyc() async throws {
        let s = try await F.env.value
        let id = try await F.trader(s, "aurora", email: "kyc@api.test")
        let aurora = try await F.tenant(s, "aurora")
        try await s.tenantDB.transaction(aurora.handle) { tx in
            try await tx.query("""
                INSERT INTO kyc_decisions (user_id, decided_at, actor, outcome, reasons, note, facts) VALUES
                (\(id), now() - interval '2 days', 'system', 'more_documents', '{address_unreadable}', 'blurred', '{}'),
                (\(id), now() - interval '1 day', 'staff:x', 'approved', '{}', 'fine', '{}')
                """)
        }
        let key = try await F.key(s, "aurora", [.kycRead])
        let clients = try await F.key(s, "aurora", [.clientsRead])
        try await buildApplication(services: s).test(.router) { client in
            let r = try await F.call(client, .get, "/api/v1/clients/\(id)/kyc", token: key)
            #expect(r.status == .ok)
            let kyc = try r.decode(AtriumBrandAPI.Components.Schemas.Kyc.self)
            #expect(kyc.status == .approved)
            #expect(kyc.decisions.map(\.outcome) == [.moreDocuments, .approved])
            #expect(kyc.decisions.first?.reasons == ["address_unreadable"])
            let scoped = try await F.call(client, .get, "/api/v1/clients/\(id)/kyc", token: clients)
            #expect(scoped.status == .forbidden)
            #expect(scoped.json["scope"] as? String == "kyc:read")
            #expect(try await F.call(client, .get, "/api/v1/clients/\(UUID())/kyc", token: key).status == .notFound)
        }
    }
}
