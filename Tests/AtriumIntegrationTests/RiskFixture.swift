import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumLedger
import AtriumPayments
import AtriumStorage
import AtriumTenancy
import Foundation
import HummingbirdTesting
import PostgresNIO
import Testing

/// Aurora and Meridian provisioned once for the risk flag and investigation suites, with one
/// staff member per built-in role in Aurora (`<role>@aurora.test`, as ClientsFixture). Cases make
/// their own clients, accounts and deals under a prefix and only read what is theirs.
struct RiskFixture: Sendable {
    let s: AppServices
    let aurora: TenantRecord
    let meridian: TenantRecord
    let staff: [String: UUID]

    static let shared = Task<RiskFixture, any Error> {
        let s = try await TestEnv.started("risk")
        try await TestEnv.applyBrands(["aurora", "meridian"], to: s)
        let aurora = try #require(try await s.registry.tenant(slug: "aurora"))
        let meridian = try #require(try await s.registry.tenant(slug: "meridian"))
        for (role, email) in ClientsFixture.emails where role != .superAdmin {
            try await DemoSeed.upsertStaff(slug: "aurora", email: email, role: role, password: ClientsFixture.password, services: s)
        }
        var staff: [String: UUID] = [:]
        try await s.tenantDB.transaction(aurora.handle) { tx in
            for try await (id, email) in try await tx.query("SELECT id, email FROM users WHERE audience = 'staff'").decode((UUID, String).self) {
                staff[email] = id
            }
        }
        return RiskFixture(s: s, aurora: aurora, meridian: meridian, staff: staff)
    }

    static func with(_ body: @Sendable (RiskFixture, any TestClientProtocol) async throws -> Void) async throws {
        let f = try await shared.value
        try await buildApplication(services: f.s).test(.router) { client in try await body(f, client) }
    }

    static func prefix(_ name: String) -> String { "\(name)\(UUID().uuidString.prefix(6).lowercased())" }

    /// A trader of `tenant` (Aurora by default) made directly in the database.
    func client(_ email: String, name: String = "Risk Client", kyc: String = "not_started", in tenant: TenantRecord? = nil) async throws -> UUID {
        try await s.tenantDB.transaction((tenant ?? aurora).handle) { tx in
            try #require(try await tx.query("""
                INSERT INTO users (audience, email, name, country, kyc_status) VALUES ('trader', \(email), \(name), 'GB', \(kyc)) RETURNING id
                """).collect().first?.decode(UUID.self))
        }
    }

    /// A live trading account of `client`; returns its id and login.
    func account(_ client: UUID) async throws -> (UUID, String) {
        let login = "7\(Int.random(in: 10_000_000...99_999_999))"
        let id = try await s.tenantDB.transaction(aurora.handle) { tx in
            try #require(try await tx.query("""
                INSERT INTO trading_accounts (user_id, connection_id, login, kind, account_type, platform_group, currency, leverage, idempotency_key)
                VALUES (\(client), 'mt5-risk', \(login), 'live', 'standard', 'real', 'USD', 100, \(UUID().uuidString)) RETURNING id
                """).collect().first?.decode(UUID.self))
        }
        return (id, login)
    }

    /// One synced platform deal on `account`.
    func deal(_ account: (UUID, String), position: Int64, entry: String, side: String, symbol: String = "EURUSD",
              volume: Int64 = 100_000_000, at msc: Int64) async throws {
        try await s.tenantDB.transaction(aurora.handle) { tx in
            try await tx.query("""
                INSERT INTO platform_deals (connection_id, deal, login, account_id, position_id, entry, side, symbol, volume_ext, closed_volume_ext, currency, time_msc)
                VALUES ('mt5-risk', nextval('platform_deals_seq') + 1000000000, \(account.1), \(account.0), \(position), \(entry), \(side), \(symbol),
                        \(volume), \(entry == "in" ? Int64(0) : volume), 'USD', \(msc))
                """)
        }
    }

    /// A closed position: an `in` deal at `opened` and the opposite `out` deal `heldSeconds` later.
    func position(_ account: (UUID, String), _ position: Int64, side: String = "buy", symbol: String = "EURUSD", opened: Int64, heldSeconds: Int64,
                  volume: Int64 = 100_000_000) async throws {
        try await deal(account, position: position, entry: "in", side: side, symbol: symbol, volume: volume, at: opened)
        try await deal(account, position: position, entry: "out", side: side == "buy" ? "sell" : "buy", symbol: symbol, volume: volume,
                       at: opened + heldSeconds * 1000)
    }

    /// A session of `client` seen from `ip` with `userAgent`.
    func session(_ client: UUID, ip: String, userAgent: String) async throws {
        try await s.tenantDB.transaction(aurora.handle) { tx in
            try await tx.query("""
                INSERT INTO sessions (token_hash, user_id, audience, expires_at, ip, user_agent)
                VALUES (\(ByteBuffer(bytes: Token.digest(UUID().uuidString))), \(client), 'trader', now() + interval '1 day', \(ip), \(userAgent))
                """)
        }
    }

    static var nowMsc: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
