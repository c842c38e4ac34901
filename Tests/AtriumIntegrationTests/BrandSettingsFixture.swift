import AtriumBrandConfig
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation
import HummingbirdTesting
import PostgresNIO
import Testing

/// A database with Aurora and Kite and one staff member per built-in role on Aurora (plus a second
/// Super Admin for four-eyes), for the brand settings suites. Each suite builds its own, because
/// the cases change Aurora's configuration.
struct BrandSettingsFixture: Sendable {
    let s: AppServices
    let aurora: TenantRecord

    static let roles: [(BuiltinRole, String)] = [(.superAdmin, "admin@aurora.test"), (.compliance, "compliance@aurora.test"),
                                                 (.finance, "finance@aurora.test"), (.sales, "sales@aurora.test"), (.support, "support@aurora.test")]
    static let password = "settings-pass-1234"

    static func make(_ name: String) async throws -> BrandSettingsFixture {
        let s = try await TestEnv.started(name)
        try await TestEnv.applyBrands(["aurora", "kite"], to: s)
        for (role, email) in roles { try await DemoSeed.upsertStaff(slug: "aurora", email: email, role: role, password: password, services: s) }
        try await DemoSeed.upsertStaff(slug: "aurora", email: "second@aurora.test", role: .superAdmin, password: password, services: s)
        guard let aurora = try await s.registry.tenant(slug: "aurora") else { throw SharedFixtureError.serverDidNotStart }
        return BrandSettingsFixture(s: s, aurora: aurora)
    }

    /// `staff:<uuid>` of a staff member of Aurora.
    func actor(_ email: String) async throws -> String {
        let id = try await s.tenantDB.transaction(aurora.handle) { tx in try await Users.find(audience: .staff, email: email, in: tx) }
        return "staff:" + (try #require(id)).uuidString.lowercased()
    }

    /// Runs `body` with a client signed in to Aurora's Back Office as `email`.
    func signedIn(_ email: String, _ body: @Sendable (FormClient) async throws -> Void) async throws {
        try await buildApplication(services: s).test(.router) { client in
            let web = FormClient(client, host: "aurora.localhost")
            let login = try await web.post("/admin/login", ["email": email, "password": Self.password], csrfFrom: "/admin")
            #expect(login.status == .seeOther)
            try await body(web)
        }
    }

    func count(_ sql: String) async throws -> Int {
        try await s.tenantDB.transaction(aurora.handle) { tx in
            try await tx.query(PostgresQuery(unsafeSQL: sql)).collect().first?.decode(Int.self) ?? -1
        }
    }

    func latestVersion() async throws -> Int { try await count("SELECT coalesce(max(version), 0)::int FROM brand_config_versions") }
}
