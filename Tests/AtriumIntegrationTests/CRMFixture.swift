import AtriumCore
import AtriumCRM
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation
import HummingbirdTesting
import PostgresNIO
import Testing

/// Aurora and Kite provisioned once for the tasks and leads suites, with an Aurora staff member of
/// each built-in role (`<role>@aurora.test`; the Super Admin is the demo `admin@aurora.test`), a
/// second Sales agent, a disabled staff member, an auditor whose custom role lacks `clients.view`, and Kite's Super Admin. Cases make their own traders.
struct CRMFixture: Sendable {
    let s: AppServices
    let aurora: TenantRecord
    let kite: TenantRecord
    /// Aurora staff ids by email.
    let staff: [String: UUID]

    static let password = "staff-pass-123"
    /// Each built-in role and the Aurora staff member who holds it.
    static let roles: [(BuiltinRole, String)] = [(.superAdmin, "admin@aurora.test"), (.compliance, "compliance@aurora.test"),
                                                  (.finance, "finance@aurora.test"), (.sales, "sales@aurora.test"), (.support, "support@aurora.test")]

    static let shared = Task<CRMFixture, any Error> {
        let s = try await TestEnv.started("crm")
        try await TestEnv.applyBrands(["aurora", "kite"], to: s)
        guard let aurora = try await s.registry.tenant(slug: "aurora"), let kite = try await s.registry.tenant(slug: "kite") else {
            throw ProvisioningError.notFound("aurora or kite")
        }
        for (role, email) in roles where role != .superAdmin {
            try await DemoSeed.upsertStaff(slug: "aurora", email: email, role: role, password: password, services: s)
        }
        try await DemoSeed.upsertStaff(slug: "aurora", email: "sales2@aurora.test", role: .sales, password: password, services: s)
        try await DemoSeed.upsertStaff(slug: "aurora", email: "gone@aurora.test", role: .sales, password: password, services: s)
        let hash = try await s.authenticator.hasher.hash(password)
        let staff = try await s.tenantDB.transaction(aurora.handle) { tx in
            try await tx.query("UPDATE users SET status = 'disabled' WHERE audience = 'staff' AND email = 'gone@aurora.test'")
            // A custom role without clients.view: the CRM screens are a 403 for it.
            let auditor = try #require(try await Users.create(audience: .staff, email: "auditor@aurora.test", name: "Auditor", passwordHash: hash, in: tx))
            let role = try #require(try await tx.query("INSERT INTO roles (name) VALUES ('Auditor') RETURNING id").collect().first?.decode(UUID.self))
            try await tx.query("INSERT INTO role_permissions (role_id, permission) VALUES (\(role), 'audit.view')")
            try await tx.query("INSERT INTO user_roles (user_id, role_id) VALUES (\(auditor), \(role))")
            var out: [String: UUID] = [:]
            for try await (id, email) in try await tx.query("SELECT id, email FROM users WHERE audience = 'staff'").decode((UUID, String).self) {
                out[email] = id
            }
            return out
        }
        return CRMFixture(s: s, aurora: aurora, kite: kite, staff: staff)
    }

    /// Runs `body` with the shared fixture and a router of its services.
    static func with(_ body: @Sendable (CRMFixture, any TestClientProtocol) async throws -> Void) async throws {
        let f = try await shared.value
        try await buildApplication(services: f.s).test(.router) { client in try await body(f, client) }
    }

    /// A browser signed in to Aurora's Back Office as `email`.
    static func signIn(_ client: any TestClientProtocol, _ email: String, brand: String = "aurora") async throws -> FormClient {
        let web = FormClient(client, host: "\(brand).localhost")
        let password = email.hasPrefix("admin@") ? "admin-demo-pass" : Self.password
        let r = try await web.post("/admin/login", ["email": email, "password": password], csrfFrom: "/admin")
        #expect(r.status == .seeOther, "staff \(email) signs in")
        return web
    }

    /// The id of Aurora staff member `email`.
    func id(_ email: String) throws -> UUID { try #require(staff[email]) }

    /// A new Aurora trader with an email of its own, assigned to `agent` when given.
    func trader(_ tag: String, agent: String? = nil) async throws -> (id: UUID, email: String) {
        let email = "\(tag)-\(UUID().uuidString.prefix(8).lowercased())@example.test"
        let agentID = try agent.map { try self.id($0) }
        let created = try await s.tenantDB.transaction(aurora.handle) { tx in
            let user = try #require(try await Users.create(audience: .trader, email: email, name: "Lead \(tag)", country: "GB", passwordHash: nil, in: tx))
            if let agentID { try await ClientAssignments.assign([user], to: agentID, actor: "test", requestID: "", in: tx) }
            return user
        }
        return (created, email)
    }

    /// An integer from `sql` run in Aurora.
    func count(_ sql: String) async throws -> Int {
        try await s.tenantDB.transaction(aurora.handle) { tx in try await tx.query(PostgresQuery(unsafeSQL: sql)).collect().first?.decode(Int.self) ?? -1 }
    }

    /// A task made through the domain code by `creator`, assigned to `assignee`.
    func task(_ title: String, by creator: String, for assignee: String, client: UUID? = nil, due: String = "2099-01-01T09:00") async throws -> UUID {
        let (by, to) = (try id(creator), try id(assignee))
        return try await s.tenantDB.transaction(aurora.handle) { tx in
            try await Tasks.create(.init(title: title, details: "", dueAt: due, assignee: to, client: client), by: by, scope: .everyone,
                                   actor: "staff:\(by.uuidString.lowercased())", requestID: "", in: tx)
        }
    }
}
