import AtriumBrandConfig
import AtriumCompliance
import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation
import HummingbirdTesting
import PostgresNIO
import Testing

/// Two brands for the AML suites, provisioned once: Aurora (the demo file, high-risk countries NG
/// and PK) and a second brand for cross-brand checks. Cases make their own clients with unique
/// emails, IPs and user agents, so they only read what they wrote.
struct AMLFixture: Sendable {
    let s: AppServices
    let aurora: TenantRecord
    let other: TenantRecord
    let passwordHash: String

    static let staffPassword = "staff-pass-123"

    static let shared = Task<AMLFixture, any Error> {
        let s = try await TestEnv.started("aml")
        try await TestEnv.applyBrands(["aurora"], to: s)
        let other = try await s.makeTenant("amlother")
        guard let aurora = try await s.registry.tenant(slug: "aurora") else { throw ProvisioningError.notFound("aurora") }
        return AMLFixture(s: s, aurora: aurora, other: other, passwordHash: try await s.authenticator.hasher.hash(staffPassword))
    }

    /// Runs `body` with the shared fixture and a router of its services.
    static func with(_ body: @Sendable (AMLFixture, any TestClientProtocol) async throws -> Void) async throws {
        let f = try await shared.value
        try await buildApplication(services: f.s).test(.router) { client in try await body(f, client) }
    }

    var brand: TenantConfig { get throws { try #require(aurora.config) } }

    /// Runs `body` in a transaction of `tenant` (Aurora by default).
    func tx<R: Sendable>(_ tenant: TenantRecord? = nil, _ body: (TenantTransaction) async throws -> R) async throws -> R {
        try await s.tenantDB.transaction((tenant ?? aurora).handle, body)
    }

    /// A unique marker for emails, IPs and user agents of one case.
    static func tag() -> String { UUID().uuidString.prefix(8).lowercased() }

    /// A trader created `createdAt`.
    func client(_ name: String, country: String = "GB", createdAt: Date = Date().addingTimeInterval(-30 * 86_400),
                in tenant: TenantRecord? = nil) async throws -> UUID {
        let email = "\(Self.tag())@aml.test"
        return try await tx(tenant) { tx in
            try #require(try await tx.query("""
                INSERT INTO users (audience, email, name, country, created_at) VALUES ('trader', \(email), \(name), \(country), \(createdAt))
                RETURNING id
                """).collect().first?.decode(UUID.self))
        }
    }

    /// A payment row (and, with `event`, its event, which the background engine's cursor reads), as
    /// the payment flows leave it. Cases that evaluate a client themselves pass `event: false`, so the
    /// app's AMLService (running beside router tests) never evaluates that client first.
    @discardableResult
    func payment(_ client: UUID, _ kind: String, _ amount: Int64, status: String? = nil, psp: String = "stripe",
                 at: Date, payer: String = "", event: Bool = true, in tenant: TenantRecord? = nil) async throws -> UUID {
        let reference = "AML-\(Self.tag())"
        let status = status ?? (kind == "deposit" ? "succeeded" : "review")
        return try await tx(tenant) { tx in
            let id = try #require(try await tx.query("""
                INSERT INTO payments (kind, user_id, psp_id, psp_type, currency, amount, status, reference, idempotency_key, created_at, payer_name)
                VALUES (\(kind), \(client), \(psp), \(psp), 'USD', \(amount), \(status), \(reference), \(reference), \(at), \(payer))
                RETURNING id
                """).collect().first?.decode(UUID.self))
            if event {
                _ = try await tx.query("""
                    INSERT INTO payment_events (payment_id, at, from_status, to_status, actor) VALUES (\(id), \(at), 'created', \(status), 'test')
                    """).collect()
            }
            return id
        }
    }

    /// A closed deal of `volume` (lots × 10,000) on a trading account of the client.
    func deal(_ client: UUID, volume: Int64, closedAt: Date) async throws {
        let login = String(Int.random(in: 10_000_000...99_999_999))
        try await tx { tx in
            let account = try #require(try await tx.query("""
                INSERT INTO trading_accounts (user_id, connection_id, login, kind, account_type, platform_group, currency, leverage, idempotency_key)
                VALUES (\(client), 'aml-test', \(login), 'live', 'standard', 'real', 'USD', 100, \(login)) RETURNING id
                """).collect().first?.decode(UUID.self))
            _ = try await tx.query("""
                INSERT INTO trading_deals (connection_id, ticket, login, account_id, symbol, side, volume, open_price, close_price, currency,
                                           profit, commission, swap, open_time, close_time)
                VALUES ('aml-test', \(Int64(login) ?? 0), \(login), \(account), 'EURUSD', 'buy', \(volume), 1.1, 1.1, 'USD', 0, 0, 0,
                        \(closedAt.addingTimeInterval(-600)), \(closedAt))
                """).collect()
        }
    }

    /// A session of the client from `ip` with `agent`.
    func session(_ client: UUID, ip: String, agent: String, at: Date = Date().addingTimeInterval(-3_600)) async throws {
        let token = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
        try await tx { tx in
            _ = try await tx.query("""
                INSERT INTO sessions (token_hash, user_id, audience, created_at, expires_at, ip, user_agent)
                VALUES (\(token), \(client), 'trader', \(at), \(at.addingTimeInterval(86_400)), \(ip), \(agent))
                """).collect()
        }
    }

    /// A KYC document of `kind` for the client (content is irrelevant to the rules).
    func document(_ client: UUID, kind: String) async throws {
        try await tx { tx in
            _ = try await tx.query("""
                INSERT INTO kyc_documents (user_id, kind, file_name, format, byte_count, sha256, sealed)
                VALUES (\(client), \(kind), 'funds.pdf', 'pdf', 3, \(Self.tag()), \(Data([1, 2, 3])))
                """).collect()
        }
    }

    /// An IB (partner) and attributions of `clients` to it.
    func partner(clients: [UUID]) async throws -> UUID {
        let email = "ib-\(Self.tag())@aml.test"
        return try await tx { tx in
            let user = try #require(try await tx.query("INSERT INTO users (audience, email, name) VALUES ('ib', \(email), 'IB') RETURNING id")
                .collect().first?.decode(UUID.self))
            let partner = try #require(try await tx.query("INSERT INTO partners (user_id, wallet_currency) VALUES (\(user), 'USD') RETURNING id")
                .collect().first?.decode(UUID.self))
            for client in clients {
                _ = try await tx.query("""
                    INSERT INTO client_attributions (client_id, partner_id, effective_from, reason)
                    VALUES (\(client), \(partner), \(Date().addingTimeInterval(-40 * 86_400)), 'registration')
                    """).collect()
            }
            return partner
        }
    }

    /// The findings of `rule` for `client` under `config` (Aurora's by default) at `now`.
    func findings(_ rule: any AMLRule, _ client: UUID, config: TenantConfig? = nil, now: Date = Date()) async throws -> [AMLFinding] {
        let config = try config ?? brand
        let spec = try #require(rule.spec)
        return try await tx { tx in try await rule.evaluate(AMLSubject(client: client, now: now, brand: config), config.amlSettings(spec), in: tx) }
    }

    /// Aurora's file with one rule's settings replaced.
    func brand(rule: String, enabled: Bool = true, params: [String: Int64] = [:]) throws -> TenantConfig {
        var config = try brand
        var compliance = config.complianceSettings
        var rules = compliance.amlRules ?? [:]
        rules[rule] = TenantConfig.AMLRule(enabled: enabled, params: params)
        compliance.amlRules = rules
        config.compliance = compliance
        return config
    }

    /// An integer from `sql` run in `tenant` (Aurora by default).
    func count(_ sql: String, in tenant: TenantRecord? = nil) async throws -> Int {
        try await tx(tenant) { tx in try await tx.query(PostgresQuery(unsafeSQL: sql)).collect().first?.decode(Int.self) ?? -1 }
    }

    /// An active staff member with the fixture's password and the given built-in roles.
    func member(_ brand: TenantRecord, roles: [BuiltinRole]) async throws -> String {
        let hash = passwordHash
        let email = "staff-\(Self.tag())@\(brand.handle.slug).test"
        _ = try await s.tenantDB.transaction(brand.handle) { tx in
            let id = try #require(try await Users.create(audience: .staff, email: email, name: "Officer \(email.prefix(10))", passwordHash: hash, in: tx))
            for role in roles { try await RBAC.grant(role, to: id, in: tx) }
            return id
        }
        return email
    }

    /// A browser signed in to `brand`'s Back Office.
    static func signIn(_ client: any TestClientProtocol, _ brand: TenantRecord, _ email: String) async throws -> FormClient {
        let web = FormClient(client, host: brand.config?.domains.first ?? "\(brand.handle.slug).localhost")
        let r = try await web.post("/admin/login", ["email": email, "password": staffPassword], csrfFrom: "/admin")
        #expect(r.status == .seeOther, "\(email) signs in")
        return web
    }
}
