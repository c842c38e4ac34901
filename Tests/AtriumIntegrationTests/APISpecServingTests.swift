import AtriumCore
import AtriumHTTP
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The specs are served as written (YAML) and as JSON, without a key, with an ETag; the reference
/// page lists every operation; a server whose spec files are missing does not start.
@Suite("API specs served as JSON and YAML, reference page", .serialized, .timeLimit(.minutes(3)))
struct APISpecServingTests {
    static let env = Task { () throws -> AppServices in
        let s = try await TestEnv.started("apispecs")
        try await TestEnv.applyBrands(["aurora"], to: s)
        return s
    }

    static func fetch(_ client: any TestClientProtocol, _ host: String, _ path: String, headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers: HTTPFields = [HTTPField.Name("Host")!: host]
        headers.append(contentsOf: extra)
        return try await client.execute(uri: path, method: .get, headers: headers, body: nil)
    }

    @Test("brand host: openapi.yaml is the file byte for byte (application/yaml), openapi.json the same document, both without a key, 304 on a matching If-None-Match")
    func brandSpec() async throws {
        let s = try await Self.env.value
        let file = try Data(contentsOf: URL(fileURLWithPath: TestCluster.repoRoot + "/Sources/AtriumBrandAPI/openapi.yaml"))
        try await buildApplication(services: s).test(.router) { client in
            let yaml = try await Self.fetch(client, "aurora.localhost", "/api/v1/openapi.yaml")
            #expect(yaml.status == .ok)
            #expect(yaml.headers[.contentType] == "application/yaml; charset=utf-8")
            #expect(Data(buffer: yaml.body) == file)
            let json = try await Self.fetch(client, "aurora.localhost", "/api/v1/openapi.json")
            #expect(json.status == .ok)
            #expect(json.headers[.contentType] == "application/json")
            let doc = try JSONDoc.parse(Data(buffer: json.body))
            #expect(doc["openapi"] == .string("3.1.0"))
            #expect(doc["servers"]?.array?.first?["url"] == .string("/api/v1"))
            // Quoted status codes stay strings and numbers stay numbers through the conversion.
            #expect(doc["paths"]?["/clients"]?["get"]?["operationId"] == .string("listClients"))
            #expect(doc["paths"]?["/clients"]?["get"]?["responses"]?["200"] != nil)
            #expect(doc["components"]?["parameters"]?["Limit"]?["schema"]?["maximum"] == .int(100))
            #expect(doc["components"]?["schemas"]?["ClientPage"]?["properties"]?["next_cursor"]?["type"] == .array([.string("string"), .string("null")]))
            let etag = try #require(json.headers[.eTag])
            #expect(etag.hasPrefix("\"") && etag.count == 34)
            #expect(yaml.headers[.eTag] != etag)
            let again = try await Self.fetch(client, "aurora.localhost", "/api/v1/openapi.json", headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
            #expect(again.body.readableBytes == 0)
            let stale = try await Self.fetch(client, "aurora.localhost", "/api/v1/openapi.json", headers: [.ifNoneMatch: "\"0000\""])
            #expect(stale.status == .ok)
        }
    }

    @Test("platform host: /api/platform/v1/openapi.json and .yaml without a key; the brand host does not serve the platform spec")
    func platformSpec() async throws {
        let s = try await Self.env.value
        let file = try Data(contentsOf: URL(fileURLWithPath: TestCluster.repoRoot + "/Sources/AtriumPlatformAPI/openapi.yaml"))
        try await buildApplication(services: s).test(.router) { client in
            let yaml = try await Self.fetch(client, "ops.localhost", "/api/platform/v1/openapi.yaml")
            #expect(yaml.status == .ok)
            #expect(Data(buffer: yaml.body) == file)
            let json = try await Self.fetch(client, "ops.localhost", "/api/platform/v1/openapi.json")
            #expect(json.status == .ok)
            let doc = try JSONDoc.parse(Data(buffer: json.body))
            #expect(doc["paths"]?["/tenants/{slug}"]?["get"]?["operationId"] == .string("getTenant"))
            #expect(try await Self.fetch(client, "aurora.localhost", "/api/platform/v1/openapi.json").status == .notFound)
        }
    }

    @Test("the reference page lists every operation of the spec with method, path and scope, links its own stylesheet, and runs no script")
    func referencePage() async throws {
        let s = try await Self.env.value
        try await buildApplication(services: s).test(.router) { client in
            let spec = try JSONDoc.parse(Data(buffer: try await Self.fetch(client, "aurora.localhost", "/api/v1/openapi.json").body))
            let page = try await Self.fetch(client, "aurora.localhost", "/api/v1/docs")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            let html = String(buffer: page.body)
            var operations = 0
            for (path, item) in spec["paths"]?.object ?? [:] {
                for (method, op) in item.object ?? [:] where ["get", "post", "put", "patch", "delete"].contains(method) {
                    let id = try #require(op["operationId"]?.string)
                    #expect(html.contains("id=\"op-\(id)\""), "no section for \(id)")
                    #expect(html.contains("<code class=\"path\">\(path)</code>"), "no path \(path)")
                    operations += 1
                }
            }
            #expect(operations >= 2)
            #expect(html.contains("<span class=\"method m-GET\">GET</span>"))
            #expect(html.contains("<code class=\"scope\">clients:read</code>"))
            #expect(html.contains("id=\"schema-Client\""))
            #expect(html.contains("<a href=\"#schema-ClientPage\">ClientPage</a>"))
            #expect(html.contains("string (date-time)"))
            #expect(html.contains("string | null"))
            #expect(html.contains("href=\"/api/v1/docs.css\""))
            #expect(!html.contains("<script"))
            let css = try await Self.fetch(client, "aurora.localhost", "/api/v1/docs.css")
            #expect(css.status == .ok)
            #expect(css.headers[.contentType] == "text/css; charset=utf-8")
            let platform = String(buffer: try await Self.fetch(client, "ops.localhost", "/api/platform/v1/docs").body)
            #expect(platform.contains("id=\"op-getTenant\""))
            #expect(platform.contains("<code class=\"scope\">tenants:read</code>"))
        }
    }

    @Test("a server whose spec folder lacks the files refuses to start, naming the file and ATRIUM_API_SPECS")
    func missingSpec() async throws {
        let config = try await TestCluster.shared.freshEnvironment(name: "apispecmissing", extra: ["ATRIUM_API_SPECS": "/nonexistent/specs"])
        do {
            _ = try await makeServices(config: config, logger: TestCluster.logger)
            Issue.record("makeServices started without the API specs")
        } catch let error as APISpecError {
            #expect(error.description.contains("/nonexistent/specs/AtriumBrandAPI/openapi.yaml"))
            #expect(error.description.contains("ATRIUM_API_SPECS"))
        }
    }
}
