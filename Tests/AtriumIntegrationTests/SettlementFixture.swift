import AtriumBrandConfig
import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumLedger
import AtriumPartners
import AtriumStorage
import AtriumTenancy
import Foundation
import PostgresNIO
import Testing

/// A tenant with one IB (a partner row and its `ib` user), a referred client and a plan version,
/// and helpers to write commission lines as the engine would.
struct SettlementFixture: Sendable {
    let services: AppServices
    let tenant: TenantRecord
    let partner: UUID
    let ibUser: UUID
    let client: UUID
    let planVersion: UUID
    var handle: TenantHandle { tenant.handle }
    var usd: Currency { Currency("USD")! }

    static func make(_ s: AppServices, prefix: String = "stl", in existing: TenantRecord? = nil, ibEmail: String? = nil,
                     ibPasswordHash: String? = nil) async throws -> SettlementFixture {
        let t: TenantRecord
        if let existing { t = existing } else { t = try await s.makeTenant(prefix) }
        return try await s.tenantDB.transaction(t.handle) { tx in
            let ib = try #require(try await Users.create(audience: .ib, email: ibEmail ?? "ib@\(prefix).test", name: "Ivy Broker", country: "GB",
                                                         passwordHash: ibPasswordHash, in: tx))
            let client = try #require(try await Users.create(audience: .trader, email: "client@\(prefix).test", name: "Client", country: "GB", passwordHash: nil, in: tx))
            let partner = try #require(try await tx.query("INSERT INTO partners (user_id, wallet_currency) VALUES (\(ib), 'USD') RETURNING id").collect().first?.decode(UUID.self))
            let plan = try #require(try await tx.query("INSERT INTO commission_plans (name) VALUES ('Standard') RETURNING id").collect().first?.decode(UUID.self))
            let version = try #require(try await tx.query("""
                INSERT INTO commission_plan_versions (plan_id, version, body, effective_from) VALUES (\(plan), 1, '{}'::jsonb, '2026-01-01T00:00:00Z')
                RETURNING id
                """).collect().first?.decode(UUID.self))
            return SettlementFixture(services: s, tenant: t, partner: partner, ibUser: ib, client: client, planVersion: version)
        }
    }

    static func at(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    /// Writes an accrual line (or a reversal of `corrects`) for `amount` cents at `time`; returns its id.
    @discardableResult
    func line(_ amount: Int64, at time: String, deal: Int64, corrects: Int64? = nil, excluded: String? = nil) async throws -> Int64 {
        try await tx { tx in
            let kind = corrects == nil ? "accrual" : "reversal"
            return try #require(try await tx.query("""
                INSERT INTO commission_lines (connection_id, deal, deal_revision, deal_time, client_id, partner_id, level, component, kind, plan_version_id,
                                              symbol, symbol_group, lots_ext, rate, base_currency, amount, currency, excluded, status, corrects)
                VALUES ('mt5-demo', \(deal), \(corrects == nil ? 1 : 2), \(Self.at(time)), \(client), \(partner), 1, 'rebate', \(kind), \(planVersion),
                        'EURUSD', 'forex', 100000000, '5.00 USD/lot', 'USD', \(amount), 'USD', \(excluded),
                        \(excluded == nil ? "pending" : "excluded"), \(corrects))
                RETURNING id
                """).collect().first?.decode(Int64.self))
        }
    }

    @discardableResult
    func tx<R: Sendable>(_ body: (TenantTransaction) async throws -> R) async throws -> R {
        try await services.tenantDB.transaction(handle, body)
    }

    func count(_ query: PostgresQuery) async throws -> Int {
        try await tx { tx in try await tx.query(query).collect().first?.decode(Int.self) ?? -1 }
    }

    func wallet() async throws -> LedgerAccount {
        try await tx { tx in try await Ledger.wallet(user: ibUser, currency: usd, in: tx) }
    }

    /// Settlements of the IB as (period start, amount, lines, status), oldest period first.
    func settlements() async throws -> [String] {
        try await tx { tx in
            try await tx.query("""
                SELECT period_start::text || ' ' || amount || ' ' || lines || ' ' || status FROM commission_settlements
                WHERE partner_id = \(partner) ORDER BY period_start
                """).collect().map { try $0.decode(String.self) }
        }
    }

    static func program(_ settlement: String, autoMax: Int64 = 10_000) -> TenantConfig.PartnerProgram {
        TenantConfig.PartnerProgram(settlement: settlement, autoApproveMaxMinor: ["USD": autoMax])
    }

    /// Fails the test if any ledger invariant is broken.
    func expectConsistent(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let problems = try await tx { tx in try await Ledger.verify(in: tx) }
        #expect(problems == [], sourceLocation: sourceLocation)
    }
}

/// Fault injection for the in-process tests: throws at the named point, as a killed worker stops there.
struct InjectedCrash: Error, Equatable {
    let point: String
}
