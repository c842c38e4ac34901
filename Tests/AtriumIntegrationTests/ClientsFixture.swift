import AtriumCore
import AtriumCRM
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

/// Aurora provisioned once for the client list and client page suites, with one staff member per
/// built-in role (`<role>@aurora.test`; the Super Admin is the brand's `admin@aurora.test`) and a
/// second Sales agent. Cases make their own clients under a prefix of their own and search by it,
/// so they only read what is shared.
struct ClientsFixture: Sendable {
    let s: AppServices
    let aurora: TenantRecord
    /// Staff ids by email.
    let staff: [String: UUID]

    static let password = "staff-pass-123"
    /// Sign-in email of each built-in role.
    static let emails: [BuiltinRole: String] = [.superAdmin: "admin@aurora.test", .compliance: "compliance@aurora.test",
                                                .finance: "finance@aurora.test", .sales: "sales@aurora.test", .support: "support@aurora.test"]
    static let otherSales = "sales2@aurora.test"

    static let shared = Task<ClientsFixture, any Error> {
        let s = try await TestEnv.started("clients")
        try await TestEnv.applyBrands(["aurora"], to: s)
        let aurora = try #require(try await s.registry.tenant(slug: "aurora"))
        for (role, email) in emails where role != .superAdmin {
            try await DemoSeed.upsertStaff(slug: "aurora", email: email, role: role, password: password, services: s)
        }
        try await DemoSeed.upsertStaff(slug: "aurora", email: otherSales, role: .sales, password: password, services: s)
        var staff: [String: UUID] = [:]
        try await s.tenantDB.transaction(aurora.handle) { tx in
            for try await (id, email) in try await tx.query("SELECT id, email FROM users WHERE audience = 'staff'").decode((UUID, String).self) {
                staff[email] = id
            }
        }
        return ClientsFixture(s: s, aurora: aurora, staff: staff)
    }

    /// Runs `body` with the shared fixture and a router of its services.
    static func with(_ body: @Sendable (ClientsFixture, any TestClientProtocol) async throws -> Void) async throws {
        let f = try await shared.value
        try await buildApplication(services: f.s).test(.router) { client in try await body(f, client) }
    }

    /// A browser signed in to Aurora's Back Office as the staff member of `role`.
    static func signIn(_ client: any TestClientProtocol, _ role: BuiltinRole) async throws -> FormClient {
        try await signIn(client, email: emails[role] ?? "", password: role == .superAdmin ? "admin-demo-pass" : password)
    }

    static func signIn(_ client: any TestClientProtocol, email: String, password: String = password) async throws -> FormClient {
        let web = FormClient(client, host: "aurora.localhost")
        let r = try await web.post("/admin/login", ["email": email, "password": password], csrfFrom: "/admin")
        #expect(r.status == .seeOther, "staff \(email) signs in")
        return web
    }

    /// A fresh prefix for one case's clients (emails `<prefix>-<n>@clients.test`).
    static func prefix(_ name: String) -> String { "\(name)\(UUID().uuidString.prefix(6).lowercased())" }

    /// A trader made directly in the database.
    @discardableResult
    func client(_ email: String, name: String? = nil, country: String = "GB", kyc: String = "not_started", at: Date = Date(),
                referral: String? = nil, agent: String? = nil) async throws -> UUID {
        let agentID = agent.flatMap { staff[$0] }
        return try await s.tenantDB.transaction(aurora.handle) { tx in
            let id = try #require(try await tx.query("""
                INSERT INTO users (audience, email, name, country, kyc_status, created_at, referral_code)
                VALUES ('trader', \(email), \(name ?? "Client \(email)"), \(country), \(kyc), \(at), \(referral)) RETURNING id
                """).collect().first?.decode(UUID.self))
            if let agentID {
                try await tx.query("INSERT INTO client_agents (client_id, agent_id, assigned_by) VALUES (\(id), \(agentID), 'test')")
            }
            return id
        }
    }

    /// A deposit of `client` in `status`.
    func deposit(_ client: UUID, amount: Int64 = 10_000, status: String = "succeeded") async throws {
        let reference = "DEP-\(UUID().uuidString.prefix(12))"
        try await s.tenantDB.transaction(aurora.handle) { tx in
            try await tx.query("""
                INSERT INTO payments (kind, user_id, psp_id, psp_type, currency, amount, status, reference, idempotency_key)
                VALUES ('deposit', \(client), 'wire', 'bank_wire', 'USD', \(amount), \(status), \(reference), \(reference))
                """)
        }
    }

    /// An integer from `sql` run in Aurora.
    func count(_ sql: PostgresQuery) async throws -> Int {
        try await s.tenantDB.transaction(aurora.handle) { tx in try await tx.query(sql).collect().first?.decode(Int.self) ?? -1 }
    }

    /// The client ids a list page shows, in order.
    static func ids(_ html: String) -> [String] {
        html.matches(of: /data-client="([0-9a-f-]{36})"/).map { String($0.output.1) }
    }

    /// The `href` of the next-page link, HTML entities decoded.
    static func nextLink(_ html: String) -> String? {
        html.firstMatch(of: /id="client-next" rel="next" href="([^"]+)"/).map { String($0.output.1).replacingOccurrences(of: "&amp;", with: "&") }
    }

    /// The client ids of a CSV body (first column, header skipped).
    static func csvIDs(_ body: String) -> [String] {
        body.split(separator: "\r\n").dropFirst().map { String($0.prefix(38).dropFirst().prefix(36)) }
    }
}
