import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumPartners
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

/// Aurora and Kite provisioned once for the IB lifecycle suites, each with a commission plan and
/// three staff members: the Super Admin (`admin@<slug>.test`), a Sales member (holds
/// `partners.manage`) and a Compliance member (does not). Cases make their own IBs and traders,
/// with emails of their own, so they only read what is shared.
struct NetworkFixture: Sendable {
    let s: AppServices
    let aurora: TenantRecord
    let kite: TenantRecord
    /// "long-enough-pass", hashed once.
    let passwordHash: String
    /// A plan per brand slug.
    let plans: [String: UUID]

    static let staffPassword = "staff-pass-123"

    static let shared = Task<NetworkFixture, any Error> {
        let s = try await TestEnv.started("network")
        try await TestEnv.applyBrands(["aurora", "kite"], to: s)
        guard let aurora = try await s.registry.tenant(slug: "aurora"), let kite = try await s.registry.tenant(slug: "kite") else {
            throw ProvisioningError.notFound("aurora or kite")
        }
        var plans: [String: UUID] = [:]
        for brand in [aurora, kite] {
            try await DemoSeed.upsertStaff(slug: brand.handle.slug, email: "sales@\(brand.handle.slug).test", role: .sales, password: staffPassword, services: s)
            try await DemoSeed.upsertStaff(slug: brand.handle.slug, email: "compliance@\(brand.handle.slug).test", role: .compliance, password: staffPassword, services: s)
            plans[brand.handle.slug] = try await s.tenantDB.transaction(brand.handle) { tx in
                try #require(try await tx.query("INSERT INTO commission_plans (name) VALUES ('Standard') RETURNING id").collect().first?.decode(UUID.self))
            }
        }
        return NetworkFixture(s: s, aurora: aurora, kite: kite, passwordHash: try await s.authenticator.hasher.hash("long-enough-pass"),
                              plans: plans)
    }

    /// Runs `body` with the shared fixture and a router of its services.
    static func with(_ body: @Sendable (NetworkFixture, any TestClientProtocol) async throws -> Void) async throws {
        let f = try await shared.value
        try await buildApplication(services: f.s).test(.router) { client in try await body(f, client) }
    }

    /// A browser signed in to `brand`'s Back Office as `email`.
    static func staff(_ client: any TestClientProtocol, _ brand: TenantRecord, email: String, password: String = staffPassword) async throws -> FormClient {
        let web = FormClient(client, host: "\(brand.handle.slug).localhost")
        let r = try await web.post("/admin/login", ["email": email, "password": password], csrfFrom: "/admin")
        #expect(r.status == .seeOther, "staff \(email) signs in")
        return web
    }

    /// An IB made directly in the database of `brand` (through the domain code), with a password.
    func makePartner(_ brand: TenantRecord, email: String, parent: UUID? = nil) async throws -> PartnerDirectory.Created {
        let plan = try #require(plans[brand.handle.slug])
        let hash = passwordHash
        return try await s.tenantDB.transaction(brand.handle) { tx in
            try await PartnerDirectory.create(.init(name: "IB \(email)", email: email, passwordHash: hash, planID: plan, parentID: parent,
                                                    currency: "USD", createdBy: nil), in: tx)
        }
    }

    /// An integer from `sql` run in `brand`.
    func count(_ brand: TenantRecord, _ sql: String) async throws -> Int {
        try await s.tenantDB.transaction(brand.handle) { tx in try await tx.query(PostgresQuery(unsafeSQL: sql)).collect().first?.decode(Int.self) ?? -1 }
    }
}
