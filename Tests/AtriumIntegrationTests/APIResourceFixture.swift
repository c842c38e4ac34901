import AtriumBrandAPI
import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumLedger
import AtriumSandbox
import AtriumStorage
import AtriumTenancy
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import PostgresNIO
import Testing

/// Aurora and meridian with a sandbox trading platform, API keys made as the Back Office makes
/// them, and a small JSON client for `/api/v1` (real requests through the application's router).
enum APIResourceFixture {
    static let env = Task { () throws -> AppServices in
        let sandbox = try await SandboxPlatformHarness.started()
        let s = try await TestEnv.started("apiresources", environment: TradeFixture.environment(sandbox))
        try await TestEnv.applyBrands(["aurora", "meridian"], to: s)
        return s
    }

    struct Reply {
        let status: HTTPResponse.Status
        let type: String?
        let body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var data: [[String: Any]] { json["data"] as? [[String: Any]] ?? [] }
        var pointers: [String] { (json["errors"] as? [[String: Any]] ?? []).compactMap { $0["pointer"] as? String } }

        /// The body decoded with the types generated from the spec (dates as RFC 3339).
        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(T.self, from: body)
        }
    }

    static func tenant(_ s: AppServices, _ slug: String) async throws -> TenantRecord {
        try #require(try await s.registry.tenant(slug: slug))
    }

    static func key(_ s: AppServices, _ slug: String, _ scopes: [APIScope]) async throws -> String {
        let record = try await tenant(s, slug)
        return try await s.tenantDB.transaction(record.handle) { tx in try await APIKeys.create(name: "test", scopes: scopes, createdBy: "test", in: tx).token }
    }

    static func call(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, host: String = "aurora.localhost",
                     token: String, body: [String: Any]? = nil) async throws -> Reply {
        var headers: HTTPFields = [HTTPField.Name("Host")!: host, .authorization: "Bearer \(token)"]
        var buffer: ByteBuffer?
        if let body {
            headers[.contentType] = "application/json"
            buffer = ByteBuffer(data: try JSONSerialization.data(withJSONObject: body))
        }
        if method == .post { headers[HTTPField.Name("Idempotency-Key")!] = UUID().uuidString }
        let r = try await client.execute(uri: path, method: method, headers: headers, body: buffer)
        return Reply(status: r.status, type: r.headers[.contentType], body: Data(buffer: r.body))
    }

    /// A trader of `slug` with `funds` minor units of USD in the wallet (credited from an adjustment account).
    static func trader(_ s: AppServices, _ slug: String, email: String, kyc: Bool = true, funds: Int64 = 0) async throws -> UUID {
        let record = try await tenant(s, slug)
        return try await TradeFixture.fundedTrader(s, record.handle, email: email, kyc: kyc, funds: funds).id
    }

    static func count(_ s: AppServices, _ slug: String, _ sql: String) async throws -> Int {
        let record = try await tenant(s, slug)
        return try await s.tenantDB.transaction(record.handle) { tx in
            try await tx.query(PostgresQuery(unsafeSQL: sql)).collect().first?.decode(Int.self) ?? -1
        }
    }
}
