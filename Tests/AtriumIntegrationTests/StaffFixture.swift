import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

/// Two brands for the staff and role suites, provisioned once: Aurora (the demo file, staff sign
/// in with a password only, as the harness provisions every test brand) and a starter brand with
/// `security.staff_two_factor: required`. Cases make their own staff members with emails of their
/// own, so they only read what is shared; `staffPassword` is hashed once.
struct StaffFixture: Sendable {
    let s: AppServices
    let aurora: TenantRecord
    let strict: TenantRecord
    let passwordHash: String

    static let staffPassword = "staff-pass-123"

    static let shared = Task<StaffFixture, any Error> {
        let s = try await TestEnv.started("staff")
        try await TestEnv.applyBrands(["aurora"], to: s)
        let strict = try await s.makeTenant("strict", staffTwoFactor: "required")
        guard let aurora = try await s.registry.tenant(slug: "aurora") else { throw ProvisioningError.notFound("aurora") }
        return StaffFixture(s: s, aurora: aurora, strict: strict, passwordHash: try await s.authenticator.hasher.hash(staffPassword))
    }

    /// Runs `body` with the shared fixture and a router of its services.
    static func with(_ body: @Sendable (StaffFixture, any TestClientProtocol) async throws -> Void) async throws {
        let f = try await shared.value
        try await buildApplication(services: f.s).test(.router) { client in try await body(f, client) }
    }

    /// A unique email of this case on `brand`.
    static func email(_ prefix: String, _ brand: TenantRecord) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())@\(brand.handle.slug).test"
    }

    /// An active staff member with the fixture's password and the given built-in roles.
    func member(_ brand: TenantRecord, _ email: String, roles: [BuiltinRole]) async throws -> UUID {
        let hash = passwordHash
        return try await s.tenantDB.transaction(brand.handle) { tx in
            let id = try #require(try await Users.create(audience: .staff, email: email, name: "Member \(email.prefix(6))", passwordHash: hash, in: tx))
            for role in roles { try await RBAC.grant(role, to: id, in: tx) }
            return id
        }
    }

    /// A browser that signed in to `brand`'s Back Office with a password (one factor).
    static func signIn(_ client: any TestClientProtocol, _ brand: TenantRecord, _ email: String) async throws -> FormClient {
        let web = FormClient(client, host: brand.config?.domains.first ?? "\(brand.handle.slug).localhost")
        let r = try await web.post("/admin/login", ["email": email, "password": staffPassword], csrfFrom: "/admin")
        #expect(r.status == .seeOther, "\(email) signs in")
        return web
    }

    /// An integer from `sql` run in `brand`.
    func count(_ brand: TenantRecord, _ sql: String) async throws -> Int {
        try await s.tenantDB.transaction(brand.handle) { tx in try await tx.query(PostgresQuery(unsafeSQL: sql)).collect().first?.decode(Int.self) ?? -1 }
    }

    /// The id of the role named `name` in `brand`.
    func roleID(_ brand: TenantRecord, _ name: String) async throws -> String {
        try await s.tenantDB.transaction(brand.handle) { tx in
            try #require(try await tx.query("SELECT id FROM roles WHERE name = \(name)").collect().first?.decode(UUID.self)).uuidString.lowercased()
        }
    }

    /// The `data-field` of the refusal shown on a page, if any.
    static func refusedField(_ html: String) -> String? {
        guard let r = html.range(of: #"id="form-error" data-field="[^"]*""#, options: .regularExpression) else { return nil }
        return String(html[r]).components(separatedBy: "data-field=\"").last.map { String($0.dropLast()) }
    }
}
