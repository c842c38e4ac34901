import AtriumBrandConfig
import AtriumHTTP
import AtriumPartners
import AtriumStorage
import AtriumTenancy
import Foundation
import PostgresNIO
import Testing

/// Writes the IB rows a commission test needs directly in SQL (the network and plans lanes build
/// the screens that write them in production), and reads the lines back.
struct CommissionFixture {
    let s: AppServices
    let handle: TenantHandle
    let brand: TenantConfig
    var engine: CommissionEngine { CommissionEngine(tenantDB: s.tenantDB) }
    static let lot: Int64 = 100_000_000
    /// 2026-11-02 10:00:00 UTC, the first deal of every fixture.
    static let t0: Int64 = 1_793_613_600_000

    /// A fresh brand with the symbol groups and partners block of `tenants/<file>.yaml`.
    static func make(_ s: AppServices, file: String = "aurora") async throws -> CommissionFixture {
        let record = try await s.makeTenant("ib")
        let path = TestCluster.repoRoot + "/tenants/\(file).yaml"
        let brand = try TenantConfig.parse(yaml: String(contentsOfFile: path, encoding: .utf8), file: path)
        return CommissionFixture(s: s, handle: record.handle, brand: brand)
    }

    func sql(_ q: PostgresQuery) async throws {
        try await s.tenantDB.transaction(handle) { tx in _ = try await tx.query(q) }
    }

    static func at(_ msc: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(msc / 1000)) }

    func user(_ email: String, audience: String = "trader") async throws -> UUID {
        try await s.tenantDB.transaction(handle) { tx in
            try await tx.query("INSERT INTO users (audience, email, name) VALUES (\(audience), \(email), 'Test') RETURNING id").collect()[0].decode(UUID.self)
        }
    }

    /// A trader with one live account on `mt5-live`.
    func client(_ email: String, login: String, type: String = "standard", currency: String = "USD") async throws -> UUID {
        let id = try await user(email)
        try await s.tenantDB.transaction(handle) { tx in
            try await tx.query("""
                INSERT INTO trading_accounts (user_id, connection_id, login, kind, account_type, platform_group, currency, leverage, idempotency_key)
                VALUES (\(id), 'mt5-live', \(login), 'live', \(type), 'real', \(currency), 100, \(login))
                """)
        }
        return id
    }

    /// An IB under `parent` from `from` on; `trader` makes that trader's accounts the IB's own.
    func partner(_ email: String, wallet: String = "USD", parent: UUID? = nil, trader: UUID? = nil, from: Int64 = t0 - 86_400_000) async throws -> UUID {
        let userID = try await user(email, audience: "ib")
        return try await s.tenantDB.transaction(handle) { tx in
            let id = try await tx.query("""
                INSERT INTO partners (user_id, trader_id, wallet_currency) VALUES (\(userID), \(trader), \(wallet)) RETURNING id
                """).collect()[0].decode(UUID.self)
            if let parent {
                try await tx.query("""
                    INSERT INTO partner_parents (partner_id, parent_id, effective_from) VALUES (\(id), \(parent), to_timestamp(\(from / 1000)))
                    """)
            }
            return id
        }
    }

    func attribute(_ client: UUID, to partner: UUID, from: Int64 = t0 - 86_400_000) async throws {
        try await s.tenantDB.transaction(handle) { tx in
            try await tx.query("""
                INSERT INTO client_attributions (client_id, partner_id, effective_from, reason)
                VALUES (\(client), \(partner), to_timestamp(\(from / 1000)), 'registration')
                """)
        }
    }

    /// A plan with its published versions (body, effective from); returns the plan and version ids.
    func plan(_ name: String, versions: [(CommissionPlan, Int64)]) async throws -> (plan: UUID, versions: [UUID]) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let bodies = try versions.map { (String(decoding: try encoder.encode($0.0), as: UTF8.self), $0.1) }
        return try await s.tenantDB.transaction(handle) { tx in
            let plan = try await tx.query("INSERT INTO commission_plans (name) VALUES (\(name)) RETURNING id").collect()[0].decode(UUID.self)
            var ids: [UUID] = []
            for (i, (body, from)) in bodies.enumerated() {
                ids.append(try await tx.query("""
                    INSERT INTO commission_plan_versions (plan_id, version, body, effective_from, status, published_at)
                    VALUES (\(plan), \(i + 1), \(body)::jsonb, to_timestamp(\(from / 1000)), 'published', now()) RETURNING id
                    """).collect()[0].decode(UUID.self))
            }
            return (plan, ids)
        }
    }

    func assign(_ partner: UUID, plan: UUID, from: Int64 = t0 - 86_400_000) async throws {
        try await sql("INSERT INTO partner_plans (partner_id, plan_id, effective_from) VALUES (\(partner), \(plan), to_timestamp(\(from / 1000)))")
    }

    func fx(_ base: String, _ quote: String, _ rate: String, asOf: Int64 = t0 - 86_400_000) async throws {
        try await sql("INSERT INTO fx_rates (base, quote, as_of, rate) VALUES (\(base), \(quote), to_timestamp(\(asOf / 1000)), \(rate)::numeric)")
    }

    func deposit(_ client: UUID, amount: Int64, currency: String = "USD", at: Int64) async throws {
        let ref = "DEP-\(UUID().uuidString.prefix(8))"
        try await sql("""
            INSERT INTO payments (kind, user_id, psp_id, psp_type, currency, amount, status, reference, idempotency_key, created_at)
            VALUES ('deposit', \(client), 'sandbox', 'sandbox', \(currency), \(amount), 'succeeded', \(ref), \(ref), to_timestamp(\(at / 1000)))
            """)
    }

    /// Inserts one platform deal as the deals lane stores it.
    func deal(_ ticket: Int64, login: String, position: Int64, entry: String, symbol: String, volume: Int64, closed: Int64? = nil,
              commission: Int64 = 0, currency: String = "USD", at: Int64) async throws {
        let closedVolume = closed ?? (entry == "in" ? 0 : volume)
        try await sql("""
            INSERT INTO platform_deals (connection_id, deal, login, account_id, position_id, entry, side, symbol, volume_ext, closed_volume_ext,
                                        commission, currency, time_msc)
            VALUES ('mt5-live', \(ticket), \(login), (SELECT id FROM trading_accounts WHERE connection_id = 'mt5-live' AND login = \(login)),
                    \(position), \(entry), 'buy', \(symbol), \(volume), \(closedVolume), \(commission), \(currency), \(at))
            """)
    }

    /// A position opened and closed ten minutes later: its IN deal (carrying the commission) and its OUT deal.
    func roundTrip(_ position: Int64, login: String, symbol: String, lotsHundredths: Int64, commissionPerLot: Int64 = 700,
                   currency: String = "USD", at: Int64) async throws {
        let volume = lotsHundredths * 1_000_000
        try await deal(position * 10, login: login, position: position, entry: "in", symbol: symbol, volume: volume,
                       commission: -(commissionPerLot * lotsHundredths / 100), currency: currency, at: at)
        try await deal(position * 10 + 1, login: login, position: position, entry: "out", symbol: symbol, volume: volume, currency: currency, at: at + 600_000)
    }

    struct Line: Sendable {
        var id: Int64
        var deal: Int64
        var revision: Int
        var partner: UUID
        var level: Int
        var component: String
        var kind: String
        var amount: Int64
        var currency: String
        var excluded: String?
        var lots: Int64
        var planVersion: UUID
        var corrects: Int64?
        var runID: UUID?
    }

    func lines() async throws -> [Line] {
        try await s.tenantDB.transaction(handle) { tx in
            var out: [Line] = []
            let rows = try await tx.query("""
                SELECT id, deal, deal_revision, partner_id, level, component, kind, amount, currency, excluded, lots_ext, plan_version_id, corrects, run_id
                FROM commission_lines ORDER BY id
                """)
            for try await (id, d, r, p, l, c, k, a, cur, e, lots, v, corr, run) in rows.decode((Int64, Int64, Int, UUID, Int, String, String, Int64, String, String?, Int64, UUID, Int64?, UUID?).self) {
                out.append(Line(id: id, deal: d, revision: r, partner: p, level: l, component: c, kind: k, amount: a, currency: cur, excluded: e,
                                lots: lots, planVersion: v, corrects: corr, runID: run))
            }
            return out
        }
    }

    /// Sum of amounts per IB (and component, when given).
    func total(_ partner: UUID, _ component: String? = nil) async throws -> Int64 {
        try await lines().filter { $0.partner == partner && (component == nil || $0.component == component) }.reduce(0) { $0 + $1.amount }
    }
}

