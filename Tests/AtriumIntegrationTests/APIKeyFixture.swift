import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

/// Aurora and Meridian provisioned once for the API key suites, with one staff member per
/// built-in role in Aurora (`<role>@aurora.test`, Super Admin `admin@aurora.test`). Cases make
/// their own keys and clients, so they only read what is shared.
struct APIKeyFixture: Sendable {
    let s: AppServices
    let aurora: TenantRecord
    let meridian: TenantRecord

    static let staffPassword = "staff-pass-123"
    static let roles: [(BuiltinRole, String)] = [(.compliance, "compliance"), (.finance, "finance"), (.sales, "sales"), (.support, "support")]

    static let shared = Task<APIKeyFixture, any Error> {
        let s = try await TestEnv.started("apikeys")
        try await TestEnv.applyBrands(["aurora", "meridian"], to: s)
        for (role, name) in roles {
            try await DemoSeed.upsertStaff(slug: "aurora", email: "\(name)@aurora.test", role: role, password: staffPassword, services: s)
        }
        guard let aurora = try await s.registry.tenant(slug: "aurora"), let meridian = try await s.registry.tenant(slug: "meridian") else {
            throw ProvisioningError.notFound("aurora or meridian")
        }
        return APIKeyFixture(s: s, aurora: aurora, meridian: meridian)
    }

    /// Runs `body` with the shared fixture and a router of its services.
    static func with(_ body: @Sendable (APIKeyFixture, any TestClientProtocol) async throws -> Void) async throws {
        let f = try await shared.value
        try await buildApplication(services: f.s).test(.router) { client in try await body(f, client) }
    }

    /// A key of `brand` made through the domain code; returns its id and token.
    func key(_ brand: TenantRecord, _ scopes: [APIScope], name: String = "test") async throws -> (id: UUID, token: String) {
        let made = try await s.tenantDB.transaction(brand.handle) { tx in try await APIKeys.create(name: name, scopes: scopes, createdBy: "test", in: tx) }
        return (made.key.id, made.token)
    }

    /// One value from `sql` run in `brand`.
    func value(_ brand: TenantRecord, _ sql: String) async throws -> Int? {
        try await value(brand, sql, as: Int.self)
    }

    /// One value of type `T` from `sql` run in `brand`.
    func value<T: PostgresDecodable & Sendable>(_ brand: TenantRecord, _ sql: String, as: T.Type) async throws -> T? {
        try await s.tenantDB.transaction(brand.handle) { tx in try await tx.query(PostgresQuery(unsafeSQL: sql)).collect().first?.decode(T.self) }
    }

    /// Runs `sql` in `brand`.
    func exec(_ brand: TenantRecord, _ sql: String) async throws {
        try await s.tenantDB.transaction(brand.handle) { tx in _ = try await tx.query(PostgresQuery(unsafeSQL: sql)).collect() }
    }

    /// A Back Office browser of Aurora signed in as `email`.
    static func staff(_ client: any TestClientProtocol, email: String, password: String = staffPassword) async throws -> FormClient {
        let web = FormClient(client, host: "aurora.localhost")
        let r = try await web.post("/admin/login", ["email": email, "password": password], csrfFrom: "/admin")
        #expect(r.status == .seeOther, "staff \(email) signs in")
        return web
    }

    /// A GET of the brand API with an optional bearer token and cookie header.
    static func api(_ client: any TestClientProtocol, host: String = "aurora.localhost", _ path: String, token: String?,
                    cookie: String? = nil) async throws -> (status: HTTPResponse.Status, headers: HTTPFields, json: [String: Any]) {
        var headers: HTTPFields = [HTTPField.Name("Host")!: host]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if let cookie { headers[.cookie] = cookie }
        let r = try await client.execute(uri: path, method: .get, headers: headers, body: nil)
        let json = (try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [String: Any] ?? [:]
        return (r.status, r.headers, json)
    }
}
