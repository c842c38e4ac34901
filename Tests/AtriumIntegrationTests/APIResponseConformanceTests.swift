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

/// Real answers of the APIs checked against the spec each server serves: the status must be one
/// the operation declares, the media type the declared one, and the body valid against the
/// declared schema (JSONSchemaCheck). Every GET operation in the spec is called, so operations
/// added later are checked without editing this file.
@Suite("API answers conform to the served spec", .serialized, .timeLimit(.minutes(3)))
struct APIResponseConformanceTests {
    static let env = Task { () throws -> AppServices in
        let s = try await TestEnv.started("apiconform")
        try await TestEnv.applyBrands(["aurora"], to: s)
        return s
    }

    struct Answer { let status: Int; let mediaType: String?; let body: Data }

    static func call(_ client: any TestClientProtocol, _ host: String, _ path: String, token: String?) async throws -> Answer {
        var headers: HTTPFields = [HTTPField.Name("Host")!: host]
        if let token { headers[.authorization] = "Bearer \(token)" }
        let r = try await client.execute(uri: path, method: .get, headers: headers, body: nil)
        return Answer(status: Int(r.status.code), mediaType: r.headers[.contentType]?.split(separator: ";").first.map(String.init), body: Data(buffer: r.body))
    }

    /// The violations of one answer to `GET template` (empty when it conforms).
    static func violations(_ answer: Answer, _ template: String, _ check: JSONSchemaCheck) -> [String] {
        guard let declared = check.response("get", template, answer.status) else {
            return ["GET \(template): status \(answer.status) is not declared"]
        }
        guard answer.mediaType == declared.mediaType else { return ["GET \(template) \(answer.status): media type \(answer.mediaType ?? "none"), declared \(declared.mediaType)"] }
        guard let body = try? JSONDoc.parse(answer.body) else { return ["GET \(template) \(answer.status): body is not JSON"] }
        return check.errors(body, declared.schema).map { "GET \(template) \(answer.status): \($0)" }
    }

    static func spec(_ client: any TestClientProtocol, _ host: String, _ path: String) async throws -> JSONSchemaCheck {
        JSONSchemaCheck(spec: try JSONDoc.parse(try await call(client, host, path, token: nil).body))
    }

    /// The GET operations of a spec: path template and a concrete path with `values` (or a
    /// value that names nothing) for its path parameters.
    static func gets(_ check: JSONSchemaCheck, base: String, values: [String: String]) -> [(template: String, path: String)] {
        (check.spec["paths"]?.object ?? [:]).filter { $0.value["get"] != nil }.keys.sorted().map { template in
            var path = template
            while let open = path.firstIndex(of: "{"), let close = path[open...].firstIndex(of: "}") {
                let name = String(path[path.index(after: open)..<close])
                path.replaceSubrange(open...close, with: values[name] ?? "nosuch-\(name.lowercased())")
            }
            return (template, base + path)
        }
    }

    @Test("brand API: every GET answers a declared status with a conforming body — with an all-scope key, without a key (401), with a key of another scope (403), for an unknown id (404)")
    func brandAnswers() async throws {
        let s = try await Self.env.value
        let aurora = try #require(try await s.registry.tenant(slug: "aurora"))
        let (client1, full, other) = try await s.tenantDB.transaction(aurora.handle) { tx in
            let id = try #require(try await Users.create(audience: .trader, email: "conform@aurora.test", name: "Conform Client", country: "DE", passwordHash: nil, in: tx))
            _ = try await Users.create(audience: .trader, email: "conform2@aurora.test", name: "Conform Two", country: "ES", passwordHash: nil, in: tx)
            let full = try await APIKeys.create(name: "all", scopes: APIScope.allCases, createdBy: "test", in: tx).token
            let other = try await APIKeys.create(name: "partners", scopes: [.partnersRead], createdBy: "test", in: tx).token
            return (id, full, other)
        }
        try await buildApplication(services: s).test(.router) { client in
            let check = try await Self.spec(client, "aurora.localhost", "/api/v1/openapi.json")
            let operations = Self.gets(check, base: "/api/v1", values: ["clientId": client1.uuidString.lowercased()])
            #expect(operations.count >= 2)
            var problems: [String] = []
            for op in operations {
                let ok = try await Self.call(client, "aurora.localhost", op.path, token: full)
                #expect(ok.status < 500, "GET \(op.path) answered \(ok.status)")
                problems += Self.violations(ok, op.template, check)
                let none = try await Self.call(client, "aurora.localhost", op.path, token: nil)
                #expect(none.status == 401)
                problems += Self.violations(none, op.template, check)
            }
            #expect(problems == [])

            // The contract's operations, answer by answer.
            let list = try await Self.call(client, "aurora.localhost", "/api/v1/clients?limit=1", token: full)
            #expect(list.status == 200)
            #expect(Self.violations(list, "/clients", check) == [])
            let page = try JSONDoc.parse(list.body)
            #expect(page["data"]?.array?.count == 1)
            let cursor = try #require(page["next_cursor"]?.string)
            let next = try await Self.call(client, "aurora.localhost", "/api/v1/clients?limit=1&cursor=\(cursor)", token: full)
            #expect(next.status == 200)
            #expect(Self.violations(next, "/clients", check) == [])
            // Any cursor the spec's pattern allows is accepted (an id that names no row: an empty page), as schemathesis demands.
            let forged = try await Self.call(client, "aurora.localhost", "/api/v1/clients?cursor=AAAAAAAAAAAAAAAAAAAAAA", token: full)
            #expect(forged.status == 200)
            #expect(try JSONDoc.parse(forged.body)["data"] == .array([]))
            #expect(Self.violations(forged, "/clients", check) == [])
            #expect(try await Self.call(client, "aurora.localhost", "/api/v1/clients?cursor=AAAAAAAAAAAAAAAAAAAAAB", token: full).status == 400)
            let one = try await Self.call(client, "aurora.localhost", "/api/v1/clients/\(client1.uuidString.lowercased())", token: full)
            #expect(one.status == 200)
            #expect(try JSONDoc.parse(one.body)["email"] == .string("conform@aurora.test"))
            #expect(Self.violations(one, "/clients/{clientId}", check) == [])
            let missing = try await Self.call(client, "aurora.localhost", "/api/v1/clients/\(UUID().uuidString.lowercased())", token: full)
            #expect(missing.status == 404)
            #expect(Self.violations(missing, "/clients/{clientId}", check) == [])
            let forbidden = try await Self.call(client, "aurora.localhost", "/api/v1/clients", token: other)
            #expect(forbidden.status == 403)
            #expect(try JSONDoc.parse(forbidden.body)["scope"] == .string("clients:read"))
            #expect(Self.violations(forbidden, "/clients", check) == [])
            let badLimit = try await Self.call(client, "aurora.localhost", "/api/v1/clients?limit=0", token: full)
            #expect(badLimit.status == 400)
            #expect(Self.violations(badLimit, "/clients", check) == [])
        }
    }

    @Test("provisioning API: getTenant 200, 401 without a key, 403 with a key lacking tenants:read, 404 for an unknown slug — each conforming")
    func platformAnswers() async throws {
        let s = try await Self.env.value
        let reader = try await OperatorAPIKeys.create(name: "read", scopes: [.tenantsRead], createdBy: "test", database: s.database).token
        let writer = try await OperatorAPIKeys.create(name: "write", scopes: [.tenantsWrite], createdBy: "test", database: s.database).token
        try await buildApplication(services: s).test(.router) { client in
            let check = try await Self.spec(client, "ops.localhost", "/api/platform/v1/openapi.json")
            let ok = try await Self.call(client, "ops.localhost", "/api/platform/v1/tenants/aurora", token: reader)
            #expect(ok.status == 200)
            #expect(Self.violations(ok, "/tenants/{slug}", check) == [])
            for (token, status) in [(nil, 401), (writer, 403)] as [(String?, Int)] {
                let answer = try await Self.call(client, "ops.localhost", "/api/platform/v1/tenants/aurora", token: token)
                #expect(answer.status == status)
                #expect(Self.violations(answer, "/tenants/{slug}", check) == [])
            }
            let unknown = try await Self.call(client, "ops.localhost", "/api/platform/v1/tenants/nosuch", token: reader)
            #expect(unknown.status == 404)
            #expect(Self.violations(unknown, "/tenants/{slug}", check) == [])
            var problems: [String] = []
            for op in Self.gets(check, base: "/api/platform/v1", values: ["slug": "aurora"]) {
                let answer = try await Self.call(client, "ops.localhost", op.path, token: reader)
                #expect(answer.status < 500, "GET \(op.path) answered \(answer.status)")
                problems += Self.violations(answer, op.template, check)
            }
            #expect(problems == [])
        }
    }

    @Test("a method the spec does not declare on one of its paths is 405 with Allow (problem+json); an unknown path stays 404")
    func undeclaredMethods() async throws {
        let s = try await Self.env.value
        try await buildApplication(services: s).test(.router) { client in
            for (method, path, allow) in [(HTTPRequest.Method.trace, "/api/v1/clients", "GET, POST"), (.delete, "/api/v1/clients/\(UUID())", "GET, PATCH"),
                                          (.post, "/api/v1/clients/\(UUID())", "GET, PATCH")] {
                let r = try await client.execute(uri: path, method: method, headers: [HTTPField.Name("Host")!: "aurora.localhost"], body: nil)
                #expect(r.status == .methodNotAllowed, "\(method) \(path)")
                #expect(r.headers[HTTPField.Name("Allow")!] == allow)
                #expect(r.headers[.contentType] == "application/problem+json")
            }
            let platform = try await client.execute(uri: "/api/platform/v1/tenants/aurora", method: .put, headers: [HTTPField.Name("Host")!: "ops.localhost"], body: nil)
            #expect(platform.status == .methodNotAllowed)
            let unknown = try await client.execute(uri: "/api/v1/nosuch", method: .get, headers: [HTTPField.Name("Host")!: "aurora.localhost"], body: nil)
            #expect(unknown.status == .notFound)
        }
    }

    @Test("the validator itself: a missing member, a wrong type, a bad date-time and a pattern miss are each reported with their path")
    func validatorReports() throws {
        let spec = try JSONDoc.parse(Data(#"{"components":{"schemas":{"M":{"type":"object","required":["amount","currency"],"properties":{"amount":{"type":"string","pattern":"^-?[0-9]+(\\.[0-9]+)?$"},"currency":{"type":"string"},"at":{"type":"string","format":"date-time"},"next":{"type":["string","null"]}}}}}}"#.utf8))
        let check = JSONSchemaCheck(spec: spec)
        let schema = JSONDoc.object(["$ref": .string("#/components/schemas/M")])
        #expect(check.errors(try JSONDoc.parse(Data(#"{"amount":"12.50","currency":"USD","at":"2026-01-02T03:04:05Z","next":null}"#.utf8)), schema) == [])
        #expect(check.errors(try JSONDoc.parse(Data(#"{"amount":"12.50"}"#.utf8)), schema) == ["$: missing required member currency"])
        #expect(check.errors(try JSONDoc.parse(Data(#"{"amount":12.5,"currency":"USD"}"#.utf8)), schema) == ["$.amount: expected string, got number"])
        #expect(check.errors(try JSONDoc.parse(Data(#"{"amount":"1,5","currency":"USD"}"#.utf8)), schema) == [#"$.amount: "1,5" does not match ^-?[0-9]+(\.[0-9]+)?$"#])
        #expect(check.errors(try JSONDoc.parse(Data(#"{"amount":"1","currency":"USD","at":"2026-01-02 03:04"}"#.utf8)), schema) == [#"$.at: "2026-01-02 03:04" is not an RFC 3339 date-time"#])
        #expect(check.errors(try JSONDoc.parse(Data(#"{"amount":"1","currency":"USD","next":5}"#.utf8)), schema) == ["$.next: expected string|null, got integer"])
    }
}
