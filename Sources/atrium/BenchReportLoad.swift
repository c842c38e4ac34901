import AtriumStorage
import Foundation
import PostgresNIO

/// The synthetic history of `atrium bench-reports`, written with SQL in a fresh tenant: clients
/// registered over `days` days in five countries, one wallet each (a fifth in EUR), `entries` ledger
/// entries (half deposits, 15 % withdrawal holds and 15 % their posts, 20 % PSP fees), KYC
/// submissions and decisions, one live account per client with `deals` platform deals, and 1,000
/// IBs with commission lines and monthly posted settlements. Times are spread evenly with
/// multiplicative hashing, so every day of the range has data. The rows are inserted directly
/// (account balances are not maintained); the reports read entries, never balances.
struct BenchReportLoad {
    let entries: Int
    let clients: Int
    let deals: Int
    let days: Int
    let ibs = 1_000

    /// `now() - (i × prime mod span) seconds`: spread over the last `days` days.
    func spread(_ column: String, _ prime: Int) -> String { "now() - ((\(column)::bigint * \(prime)) % \(days * 86_400)) * interval '1 second'" }

    func seed(_ db: TenantDB, _ t: TenantHandle) async throws {
        let deposits = entries / 2, holds = entries * 15 / 100, fees = entries - deposits - 2 * holds
        try await db.transaction(t) { tx in
            try await tx.query(PostgresQuery(unsafeSQL: """
                INSERT INTO users (id, audience, email, name, country, created_at, email_verified_at)
                SELECT md5('rc-' || i)::uuid, 'trader', 'c' || i || '@bench.test', 'Client ' || i, (ARRAY['GB', 'DE', 'FR', 'ES', 'AE'])[1 + i % 5],
                       \(spread("i", 7919)), CASE WHEN i % 5 <> 0 THEN \(spread("i", 7919)) + interval '10 minutes' END
                FROM generate_series(0, \(clients - 1)) i
                """))
            try await tx.query(PostgresQuery(unsafeSQL: """
                INSERT INTO ledger_accounts (code, kind, currency, owner_id, no_overdraft)
                SELECT 'bench-wallet-' || i, 'wallet', CASE WHEN i % 5 = 4 THEN 'EUR' ELSE 'USD' END, md5('rc-' || i)::uuid, true
                FROM generate_series(0, \(clients - 1)) i
                """))
            try await tx.query("""
                INSERT INTO ledger_accounts (code, kind, currency, no_overdraft)
                SELECT k || '-' || c, k, c, false FROM unnest(ARRAY['psp_clearing', 'withdrawals_pending']) k, unnest(ARRAY['USD', 'EUR']) c
                """)
        }
        try await db.transaction(t) { tx in
            // Deposits: clearing -> wallet.
            try await tx.query(PostgresQuery(unsafeSQL: """
                INSERT INTO ledger_transfers (id, kind, debit_account_id, credit_account_id, amount, currency, code, created_at)
                SELECT md5('rd-' || i)::uuid, 'posted', h.id, w.id, 1000 + (i::bigint * 37) % 500000, w.currency, 'deposit', \(spread("i", 104_729))
                FROM generate_series(0, \(deposits - 1)) i
                JOIN ledger_accounts w ON w.code = 'bench-wallet-' || (i % \(clients))
                JOIN ledger_accounts h ON h.code = 'psp_clearing-' || w.currency
                """))
        }
        try await db.transaction(t) { tx in
            // Withdrawals: a hold (wallet -> pending), posted an hour later when paid; PSP fees.
            try await tx.query(PostgresQuery(unsafeSQL: """
                INSERT INTO ledger_transfers (id, kind, debit_account_id, credit_account_id, amount, currency, code, created_at)
                SELECT md5('rw-' || i)::uuid, 'pending', w.id, h.id, 500 + (i::bigint * 31) % 200000, w.currency, 'withdrawal', \(spread("i", 130_363))
                FROM generate_series(0, \(holds - 1)) i
                JOIN ledger_accounts w ON w.code = 'bench-wallet-' || ((i * 3) % \(clients))
                JOIN ledger_accounts h ON h.code = 'withdrawals_pending-' || w.currency
                """))
            try await tx.query("""
                INSERT INTO ledger_transfers (id, kind, debit_account_id, credit_account_id, amount, currency, pending_id, code, created_at)
                SELECT md5('rp-' || p.id::text)::uuid, 'post_pending', p.debit_account_id, p.credit_account_id, p.amount, p.currency, p.id, 'withdrawal',
                       p.created_at + interval '1 hour'
                FROM ledger_transfers p WHERE p.kind = 'pending'
                """)
            try await tx.query(PostgresQuery(unsafeSQL: """
                INSERT INTO ledger_transfers (id, kind, debit_account_id, credit_account_id, amount, currency, code, created_at)
                SELECT md5('rf-' || i)::uuid, 'posted', c.id, h.id, 10 + i % 300, c.currency, 'psp_fee', \(spread("i", 15_485_863))
                FROM generate_series(0, \(fees - 1)) i
                JOIN ledger_accounts c ON c.code = 'psp_clearing-' || (CASE WHEN i % 5 = 4 THEN 'EUR' ELSE 'USD' END)
                JOIN ledger_accounts h ON h.code = 'withdrawals_pending-' || c.currency
                """))
        }
        try await db.transaction(t) { tx in
            // KYC: seven clients in ten submit (the rules run an hour after registration); six are approved, one rejected.
            try await tx.query("""
                INSERT INTO kyc_decisions (user_id, decided_at, actor, outcome, facts)
                SELECT u.id, u.created_at + interval '1 hour', 'rules', 'review', '{}'::jsonb
                FROM users u WHERE u.audience = 'trader' AND ('x' || substr(u.id::text, 1, 2))::bit(8)::int % 10 < 7
                """)
            try await tx.query("""
                INSERT INTO kyc_decisions (user_id, decided_at, actor, outcome, facts)
                SELECT d.user_id, d.decided_at + (1 + d.id % 72) * interval '1 hour', 'staff:bench',
                       CASE WHEN d.id % 7 = 0 THEN 'rejected' ELSE 'approved' END, '{}'::jsonb
                FROM kyc_decisions d
                """)
            try await tx.query(PostgresQuery(unsafeSQL: """
                INSERT INTO trading_accounts (id, user_id, connection_id, login, kind, account_type, platform_group, currency, leverage, idempotency_key)
                SELECT md5('rta-' || i)::uuid, md5('rc-' || i)::uuid, 'bench', (700000 + i)::text, 'live', 'standard', 'real', 'USD', 100, 'bench'
                FROM generate_series(0, \(clients - 1)) i
                """))
            try await tx.query(PostgresQuery(unsafeSQL: """
                INSERT INTO platform_deals (connection_id, deal, login, account_id, position_id, entry, side, symbol, volume_ext, currency, time_msc)
                SELECT 'bench', i, (700000 + (i * 13) % \(clients))::text, md5('rta-' || ((i * 13) % \(clients)))::uuid, i, 'in', 'buy', 'EURUSD',
                       1000000, 'USD', (extract(epoch FROM \(spread("i", 7_368_787))) * 1000)::bigint
                FROM generate_series(1, \(deals)) i
                """))
        }
        try await seedPartners(db, t)
        try await db.transaction(t) { tx in try await tx.query("ANALYZE") }
    }

    /// IBs, their commission lines (one per five deals) and a posted settlement per IB and month.
    func seedPartners(_ db: TenantDB, _ t: TenantHandle) async throws {
        try await db.transaction(t) { tx in
            try await tx.query(PostgresQuery(unsafeSQL: """
                INSERT INTO users (id, audience, email, name, country)
                SELECT md5('ri-' || i)::uuid, 'ib', 'ib' || i || '@bench.test', 'IB ' || i, (ARRAY['GB', 'DE', 'FR', 'ES', 'AE'])[1 + i % 5]
                FROM generate_series(0, \(ibs - 1)) i
                """))
            try await tx.query(PostgresQuery(unsafeSQL: """
                INSERT INTO partners (id, user_id, wallet_currency) SELECT md5('rpa-' || i)::uuid, md5('ri-' || i)::uuid, 'USD' FROM generate_series(0, \(ibs - 1)) i
                """))
            let plan = try await tx.query("INSERT INTO commission_plans (name) VALUES ('Report bench') RETURNING id").collect()[0].decode(UUID.self)
            let version = try await tx.query("""
                INSERT INTO commission_plan_versions (plan_id, version, body, effective_from) VALUES (\(plan), 1, '{}'::jsonb, '2020-01-01T00:00:00Z') RETURNING id
                """).collect()[0].decode(UUID.self)
            try await tx.query(PostgresQuery(unsafeSQL: """
                INSERT INTO commission_lines (connection_id, deal, deal_revision, deal_time, client_id, partner_id, level, component, kind,
                                              plan_version_id, symbol, symbol_group, rate, base_currency, amount, currency, status)
                SELECT 'bench', i, 1, \(spread("i", 7_368_787)), md5('rc-' || ((i * 13) % \(clients)))::uuid, md5('rpa-' || (i % \(ibs)))::uuid,
                       1, 'rebate', 'accrual', '\(version.uuidString.lowercased())'::uuid, 'EURUSD', 'forex', '5.00 USD/lot', 'USD', 50 + i % 400, 'USD', 'pending'
                FROM generate_series(1, \(deals / 5)) i
                """))
            try await tx.query(PostgresQuery(unsafeSQL: """
                INSERT INTO commission_settlements (id, partner_id, period_start, period_end, currency, amount, lines, status, posted_at)
                SELECT md5('rs-' || i || '-' || m)::uuid, md5('rpa-' || i)::uuid, d::date, (d + interval '1 month - 1 day')::date, 'USD',
                       1000 + (i * m) % 90000, 10, 'posted', d + interval '1 month 1 day'
                FROM generate_series(0, \(ibs - 1)) i,
                     generate_series(0, \(days / 30)) m,
                     LATERAL (SELECT date_trunc('month', now() - m * interval '1 month') - interval '1 month' AS d) x
                """))
        }
    }
}
