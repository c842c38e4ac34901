import AtriumBrandConfig
import AtriumCore
import AtriumPartners
import AtriumStorage
import Foundation
import PostgresNIO

/// The synthetic load of `atrium bench-commissions` and its SQL-side computations. Ids are
/// `md5(name)::uuid`, so the seed needs no round trip per row.
struct BenchCommissionLoad: Sendable {
    let deals: Int
    let clients: Int
    let ibs: Int
    let connectionID: String

    /// Symbol groups of the bench connection (no pattern overlaps, so SQL `LIKE` picks the same group).
    static let symbolGroups: [String: [String]] = ["forex": ["EUR*", "GBP*", "USD*"], "metals": ["XAU*"]]

    /// The hybrid plan: per-lot rebates by group over 5 levels plus a revenue share of the deal
    /// commission over 5 levels, paid on close.
    static let plan = CommissionPlan(
        currency: "USD", payOn: .close, levels: 5,
        rebates: [.init(symbolGroup: "forex", perLotMinor: [500, 200, 100, 50, 25]), .init(symbolGroup: "metals", perLotMinor: [800, 300, 150, 80, 40])],
        revenueShare: .init(commissionBps: [2_000, 500, 250, 100, 50]))

    /// First index of each of the 5 levels (1%, 5%, 15%, 30%, the rest of the IBs).
    var levelStarts: [Int] {
        let sizes = [max(1, ibs / 100), max(1, ibs * 5 / 100), max(1, ibs * 15 / 100), max(1, ibs * 30 / 100)]
        var starts = [0]
        for s in sizes { starts.append(starts.last! + s) }
        return starts
    }

    func seed(_ db: TenantDB, _ t: TenantHandle) async throws {
        let s = levelStarts
        try await db.transaction(t) { tx in
            try await tx.query("""
                INSERT INTO users (id, audience, email, name, country)
                SELECT md5('bench-ib-user-' || i)::uuid, 'ib', 'ib' || i || '@bench.test', 'IB ' || i, 'GB' FROM generate_series(0, \(ibs) - 1) i
                """)
            try await tx.query("""
                INSERT INTO partners (id, user_id, wallet_currency)
                SELECT md5('bench-ib-' || i)::uuid, md5('bench-ib-user-' || i)::uuid, 'USD' FROM generate_series(0, \(ibs) - 1) i
                """)
            // parent of i on level k: an IB of level k-1, round robin
            try await tx.query("""
                INSERT INTO partner_parents (partner_id, parent_id, effective_from)
                SELECT md5('bench-ib-' || i)::uuid, md5('bench-ib-' || CASE
                        WHEN i < \(s[2]) THEN \(s[0]) + (i - \(s[1])) % (\(s[1]) - \(s[0]))
                        WHEN i < \(s[3]) THEN \(s[1]) + (i - \(s[2])) % (\(s[2]) - \(s[1]))
                        WHEN i < \(s[4]) THEN \(s[2]) + (i - \(s[3])) % (\(s[3]) - \(s[2]))
                        ELSE \(s[3]) + (i - \(s[4])) % (\(s[4]) - \(s[3])) END)::uuid, '2020-01-01T00:00:00Z'
                FROM generate_series(\(s[1]), \(ibs) - 1) i
                """)
            let plan = try require(try await tx.query("INSERT INTO commission_plans (name) VALUES ('Bench hybrid') RETURNING id").collect().first?.decode(UUID.self))
            try await tx.query("""
                INSERT INTO commission_plan_versions (plan_id, version, body, effective_from, status, published_at)
                VALUES (\(plan), 1, \(try CanonicalJSON.text(Self.plan))::jsonb, '2020-01-01T00:00:00Z', 'published', now())
                """)
            try await tx.query("""
                INSERT INTO partner_plans (partner_id, plan_id, effective_from)
                SELECT md5('bench-ib-' || i)::uuid, \(plan), '2020-01-01T00:00:00Z' FROM generate_series(0, \(ibs) - 1) i
                """)
        }
        try await db.transaction(t) { tx in
            try await tx.query("""
                INSERT INTO users (id, audience, email, name, country)
                SELECT md5('bench-client-' || i)::uuid, 'trader', 'c' || i || '@bench.test', 'Client ' || i, 'GB' FROM generate_series(0, \(clients) - 1) i
                """)
            try await tx.query("""
                INSERT INTO trading_accounts (id, user_id, connection_id, login, kind, account_type, platform_group, currency, leverage, idempotency_key)
                SELECT md5('bench-account-' || i)::uuid, md5('bench-client-' || i)::uuid, \(connectionID), (900000 + i)::text, 'live', 'standard',
                       'real\\standard', 'USD', 100, 'bench' FROM generate_series(0, \(clients) - 1) i
                """)
            try await tx.query("""
                INSERT INTO client_attributions (client_id, partner_id, effective_from, reason)
                SELECT md5('bench-client-' || i)::uuid, md5('bench-ib-' || (i % \(ibs)))::uuid, '2020-01-01T00:00:00Z', 'registration'
                FROM generate_series(0, \(clients) - 1) i
                """)
        }
        // Positions of two deals (IN, then OUT a second later), 0.01 to 2.00 lots, 3.50 USD/lot commission per side.
        let start = Int64(1_793_491_200_000)  // 2026-11-01T00:00:00Z
        try await db.transaction(t) { tx in
            try await tx.query("""
                INSERT INTO platform_deals (connection_id, deal, login, account_id, position_id, entry, side, symbol, volume_ext, closed_volume_ext,
                                            commission, currency, time_msc)
                SELECT \(connectionID), k, (900000 + acct)::text, md5('bench-account-' || acct)::uuid, pos,
                       CASE WHEN k % 2 = 1 THEN 'in' ELSE 'out' END, CASE WHEN k % 2 = 1 THEN 'buy' ELSE 'sell' END,
                       (ARRAY['EURUSD', 'GBPUSD', 'USDJPY', 'XAUUSD'])[1 + pos % 4], vol, CASE WHEN k % 2 = 1 THEN 0 ELSE vol END,
                       -(vol * 350 / 100000000), 'USD', \(start) + k * 1000
                FROM (SELECT k, (k + 1) / 2 AS pos, ((k + 1) / 2 - 1) % \(clients) AS acct, (((k + 1) / 2 * 7919) % 200 + 1) * 1000000 AS vol
                      FROM generate_series(1::bigint, \(deals)::bigint) k) x
                ORDER BY k
                """)
        }
        try await db.transaction(t) { tx in try await tx.query("ANALYZE") }
    }

    /// The same lines as the engine, computed by one `INSERT … SELECT` into a copy of `commission_lines`
    /// (same columns, checks and unique indexes). Returns how many lines it wrote.
    func sqlBound(_ db: TenantDB, _ t: TenantHandle) async throws -> Int {
        var patterns: [String] = [], groups: [String] = []
        for (group, list) in Self.symbolGroups { for p in list { patterns.append(p.replacingOccurrences(of: "*", with: "%")); groups.append(group) } }
        var rebateGroups: [String] = [], rebateLevels: [Int] = [], rebatePerLot: [Int64] = []
        for r in Self.plan.rebates { for (i, v) in r.perLotMinor.enumerated() { rebateGroups.append(r.symbolGroup); rebateLevels.append(i + 1); rebatePerLot.append(v) } }
        let shareBps = Self.plan.revenueShare?.commissionBps ?? []
        let shareLevels = Array(1...max(1, shareBps.count))
        try await db.transaction(t) { tx in
            try await tx.query("CREATE TABLE IF NOT EXISTS bench_sql_lines (LIKE commission_lines INCLUDING ALL)")
        }
        return try await db.transaction(t) { tx in
            try await tx.query("""
                INSERT INTO bench_sql_lines (connection_id, deal, deal_revision, deal_time, client_id, account_id, partner_id, level, component, kind,
                    plan_version_id, symbol, symbol_group, lots_ext, rate, base_amount, base_currency, fx_rate, amount, currency, status)
                SELECT d.connection_id, d.deal, d.revision, dt.t, a.user_id, a.id, c.partner_id, c.level, r.component, 'accrual',
                       pv.id, d.symbol, g.grp, r.lots, r.rate, r.base, d.currency, 1, r.amount, p.wallet_currency, 'pending'
                FROM platform_deals d
                CROSS JOIN LATERAL (SELECT to_timestamp(0) + d.time_msc * interval '1 millisecond' AS t) dt
                JOIN trading_accounts a ON a.id = d.account_id
                CROSS JOIN LATERAL (SELECT partner_id FROM client_attributions
                                    WHERE client_id = a.user_id AND effective_from <= dt.t ORDER BY effective_from DESC LIMIT 1) ib
                CROSS JOIN LATERAL (SELECT v.id FROM (SELECT plan_id FROM partner_plans WHERE partner_id = ib.partner_id AND effective_from <= dt.t
                                                      ORDER BY effective_from DESC LIMIT 1) pp
                                    JOIN commission_plan_versions v ON v.plan_id = pp.plan_id AND v.status = 'published' AND v.effective_from <= dt.t
                                    ORDER BY v.effective_from DESC LIMIT 1) pv
                CROSS JOIN LATERAL partner_chain(ib.partner_id, dt.t, \(Self.plan.levels)::int) c
                JOIN partners p ON p.id = c.partner_id
                LEFT JOIN unnest(\(patterns)::text[], \(groups)::text[]) AS g(pattern, grp) ON d.symbol LIKE g.pattern
                CROSS JOIN LATERAL (
                    SELECT 'rebate' AS component, d.closed_volume_ext AS lots, rr.per_lot::text || ' USD/lot (minor)' AS rate, 0::bigint AS base,
                           d.closed_volume_ext * rr.per_lot / 100000000 AS amount
                    FROM unnest(\(rebateGroups)::text[], \(rebateLevels)::int[], \(rebatePerLot)::bigint[]) AS rr(grp, level, per_lot)
                    WHERE rr.grp = g.grp AND rr.level = c.level AND rr.per_lot > 0 AND d.closed_volume_ext > 0
                    UNION ALL
                    SELECT 'revshare_commission', 0, rs.bps::text || ' bps', abs(d.commission), abs(d.commission) * rs.bps / 10000
                    FROM unnest(\(shareLevels)::int[], \(shareBps)::int[]) AS rs(level, bps)
                    WHERE rs.level = c.level AND rs.bps > 0 AND d.commission <> 0) r
                WHERE d.status <> 'cancelled'
                ON CONFLICT DO NOTHING
                """)
            return try await tx.query("SELECT count(*)::int FROM bench_sql_lines").collect().first?.decode(Int.self) ?? 0
        }
    }

    /// Replays the first `deals` deals from seq 0 (every line already exists), then puts the cursor back.
    func replay(_ engine: CommissionEngine, _ db: TenantDB, _ t: TenantHandle, brand: TenantConfig, deals: Int) async throws -> (deals: Int, lines: Int) {
        let saved = try await db.transaction(t) { tx in
            let last = try await tx.query("SELECT last_seq FROM commission_progress WHERE id = 1").collect().first?.decode(Int64.self) ?? 0
            try await tx.query("UPDATE commission_progress SET last_seq = 0 WHERE id = 1")
            return last
        }
        var seen = 0, lines = 0
        while seen < deals {
            let pass = try await engine.runOnce(tenant: t, brand: brand)
            seen += pass.deals
            lines += pass.linesWritten
            if pass.caughtUp { break }
        }
        try await db.transaction(t) { tx in try await tx.query("UPDATE commission_progress SET last_seq = greatest(last_seq, \(saved)) WHERE id = 1") }
        return (seen, lines)
    }

    /// Per-IB totals and line counts of the engine's lines against the SQL computation.
    func compare(_ db: TenantDB, _ t: TenantHandle) async throws -> (partners: Int, differing: Int, engineTotal: Int64, sqlTotal: Int64) {
        try await db.transaction(t) { tx in
            let row = try await tx.query("""
                WITH e AS (SELECT partner_id, sum(amount) AS s, count(*) AS n FROM commission_lines GROUP BY partner_id),
                     q AS (SELECT partner_id, sum(amount) AS s, count(*) AS n FROM bench_sql_lines GROUP BY partner_id)
                SELECT count(*)::int, (count(*) FILTER (WHERE e.s IS DISTINCT FROM q.s OR e.n IS DISTINCT FROM q.n))::int,
                       coalesce(sum(e.s), 0)::bigint, coalesce(sum(q.s), 0)::bigint
                FROM e FULL JOIN q USING (partner_id)
                """).collect().first
            guard let row else { return (0, 0, 0, 0) }
            return try row.decode((Int, Int, Int64, Int64).self)
        }
    }
}

/// `#require` for the CLI: a missing row is a bench failure with a message.
func require<T>(_ value: T?, _ what: String = "a row") throws -> T {
    guard let value else { throw CLIError(description: "bench: expected \(what)") }
    return value
}
