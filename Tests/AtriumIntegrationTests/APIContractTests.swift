import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The API skeleton: a brand key reads its own brand's clients through the generated handlers; no
/// key, another brand's key or a missing scope get problem+json; the platform API takes operator keys.
@Suite("API skeleton: keys by brand, scopes, problem+json, cursor pages, operator keys", .serialized, .timeLimit(.minutes(3)))
struct APIContractTests {
    static let env = Task { () throws -> AppServices in
        let s = try await TestEnv.started("apicontract")
        try await TestEnv.applyBrands(["aurora", "meridian"], to: s)
        return s
    }

    static func key(_ s: AppServices, _ slug: String, _ scopes: [APIScope]) async throws -> String {
        let record = try #require(try await s.registry.tenant(slug: slug))
        return try await s.tenantDB.transaction(record.handle) { tx in try await APIKeys.create(name: "test", scopes: scopes, createdBy: "test", in: tx).token }
    }

    static func get(_ client: any TestClientProtocol, _ host: String, _ path: String, token: String?) async throws -> (status: HTTPResponse.Status, type: String?, json: [String: Any]) {
        var headers: HTTPFields = [HTTPField.Name("Host")!: host]
        if let token { headers[.authorization] = "Bearer \(token)" }
        let r = try await client.execute(uri: path, method: .get, headers: headers, body: nil)
        let json = (try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [String: Any] ?? [:]
        return (r.status, r.headers[.contentType], json)
    }

    @Test("a clients:read key lists its brand's clients in cursor pages; no key 401, meridian's key 401, a payments-only key 403 naming clients:read")
    func keysScopesAndPages() async throws {
        let s = try await Self.env.value
        let aurora = try #require(try await s.registry.tenant(slug: "aurora"))
        for i in 1...3 {   // one transaction each: now() differs, so the newest-first order is known
            try await s.tenantDB.transaction(aurora.handle) { tx in
                _ = try await Users.create(audience: .trader, email: "api\(i)@aurora.test", name: "API Client \(i)", country: "GB", passwordHash: nil, in: tx)
            }
        }
        let read = try await Self.key(s, "aurora", [.clientsRead])
        let other = try await Self.key(s, "meridian", [.clientsRead])
        let payments = try await Self.key(s, "aurora", [.paymentsRead])
        try await buildApplication(services: s).test(.router) { client in
            let first = try await Self.get(client, "aurora.localhost", "/api/v1/clients?limit=2", token: read)
            #expect(first.status == .ok)
            let page1 = try #require(first.json["data"] as? [[String: Any]])
            #expect(page1.map { $0["email"] as? String } == ["api3@aurora.test", "api2@aurora.test"])
            let cursor = try #require(first.json["next_cursor"] as? String)
            let second = try await Self.get(client, "aurora.localhost", "/api/v1/clients?limit=2&cursor=\(cursor)", token: read)
            let page2 = try #require(second.json["data"] as? [[String: Any]])
            #expect(page2.map { $0["email"] as? String } == ["api1@aurora.test"])
            #expect(second.json["next_cursor"] is NSNull || second.json["next_cursor"] == nil)

            let none = try await Self.get(client, "aurora.localhost", "/api/v1/clients", token: nil)
            #expect(none.status == .unauthorized)
            #expect(none.type == "application/problem+json")
            #expect(none.json["status"] as? Int == 401)
            let foreign = try await Self.get(client, "aurora.localhost", "/api/v1/clients", token: other)
            #expect(foreign.status == .unauthorized)
            let scoped = try await Self.get(client, "aurora.localhost", "/api/v1/clients", token: payments)
            #expect(scoped.status == .forbidden)
            #expect(scoped.json["scope"] as? String == "clients:read")
            let badCursor = try await Self.get(client, "aurora.localhost", "/api/v1/clients?cursor=zzz", token: read)
            #expect(badCursor.status == .badRequest)
            #expect((badCursor.json["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "cursor")
            let missing = try await Self.get(client, "aurora.localhost", "/api/v1/clients/\(UUID())", token: read)
            #expect(missing.status == .notFound)
            #expect(missing.type == "application/problem+json")
        }
    }

    @Test("an operator key with tenants:read reads a brand's status and schema version; a brand key is 401 there")
    func operatorKeys() async throws {
        let s = try await Self.env.value
        let op = try await OperatorAPIKeys.create(name: "ops", scopes: [.tenantsRead], createdBy: "test", database: s.database).token
        let brandKey = try await Self.key(s, "aurora", [.clientsRead])
        try await buildApplication(services: s).test(.router) { client in
            let r = try await Self.get(client, "ops.localhost:8080", "/api/platform/v1/tenants/aurora", token: op)
            #expect(r.status == .ok)
            #expect(r.json["slug"] as? String == "aurora")
            #expect(r.json["status"] as? String == "active")
            #expect((r.json["schema_version"] as? Int ?? 0) >= 30)
            #expect(try await Self.get(client, "ops.localhost:8080", "/api/platform/v1/tenants/aurora", token: brandKey).status == .unauthorized)
            #expect(try await Self.get(client, "ops.localhost:8080", "/api/platform/v1/tenants/nosuch", token: op).status == .notFound)
        }
    }
}
