import AtriumHTTP
import AtriumLedger
import AtriumStorage
import AtriumTenancy
import Foundation

/// Known funding, registrations, KYC decisions, deals and IB figures in March 2026, with rows on
/// each side of the range's edges (2026-02-28 23:59:59 and 2026-04-01 00:00:00), written straight
/// into the ledger and event tables with the times the reports group by.
///
/// Clients: u1 GB (registered 03-01 00:00:00, verified, approved after 2 h, funded), u2 GB (03-10,
/// not verified, rejected after 1 day), u3 DE (03-31 23:59:59, verified, approved by the rules in
/// 0 s, not funded), u4 DE (04-01 00:00:00, outside), u5 FR (02-28 23:59:59, outside, funds in March).
enum DashboardFixture {
    static func at(_ text: String) -> Date {
        ISO8601DateFormatter().date(from: text) ?? Date(timeIntervalSince1970: 0)
    }

    static func seed(_ s: AppServices, _ tenant: TenantHandle) async throws {
        try await s.tenantDB.transaction(tenant) { tx in
            func user(_ audience: String, _ email: String, _ country: String, _ created: String, verified: Bool) async throws -> UUID {
                let v: Date? = verified ? at(created) : nil
                let rows = try await tx.query("""
                    INSERT INTO users (audience, email, name, country, created_at, email_verified_at)
                    VALUES (\(audience), \(email), \(email.prefix { $0 != "@" }.uppercased()), \(country), \(at(created)), \(v)) RETURNING id
                    """).collect()
                return try rows[0].decode(UUID.self)
            }
            let u1 = try await user("trader", "u1@dash.test", "GB", "2026-03-01T00:00:00Z", verified: true)
            let u2 = try await user("trader", "u2@dash.test", "GB", "2026-03-10T12:00:00Z", verified: false)
            let u3 = try await user("trader", "u3@dash.test", "DE", "2026-03-31T23:59:59Z", verified: true)
            let u4 = try await user("trader", "u4@dash.test", "DE", "2026-04-01T00:00:00Z", verified: true)
            let u5 = try await user("trader", "u5@dash.test", "FR", "2026-02-28T23:59:59Z", verified: true)

            // Funding, in the ledger.
            func transfer(_ kind: String, _ debit: LedgerAccount, _ credit: LedgerAccount, _ amount: Int64, _ code: String, _ time: String,
                          pending: UUID? = nil) async throws -> UUID {
                let id = UUID()
                try await tx.query("""
                    INSERT INTO ledger_transfers (id, kind, debit_account_id, credit_account_id, amount, currency, pending_id, code, created_at)
                    VALUES (\(id), \(kind), \(debit.id), \(credit.id), \(amount), \(debit.currency.code), \(pending), \(code), \(at(time)))
                    """)
                return id
            }
            guard let usd = Currency("USD"), let eur = Currency("EUR") else { return }
            let clearing = try await Ledger.house(.pspClearing, "dash", currency: usd, in: tx)
            let clearingEUR = try await Ledger.house(.pspClearing, "dash", currency: eur, in: tx)
            let held = try await Ledger.house(.withdrawalsPending, "all", currency: usd, in: tx)
            let w1 = try await Ledger.wallet(user: u1, currency: usd, in: tx)
            let w4 = try await Ledger.wallet(user: u4, currency: usd, in: tx)
            let w5 = try await Ledger.wallet(user: u5, currency: usd, in: tx)
            let w5e = try await Ledger.wallet(user: u5, currency: eur, in: tx)
            _ = try await transfer("posted", clearing, w1, 99_900, "deposit", "2026-02-28T23:59:59Z")
            _ = try await transfer("posted", clearing, w1, 10_000, "deposit", "2026-03-01T00:00:00Z")
            _ = try await transfer("posted", clearing, w1, 5_025, "deposit", "2026-03-01T23:59:59Z")
            _ = try await transfer("posted", clearing, w5, 2_000, "deposit", "2026-03-15T10:00:00Z")
            _ = try await transfer("posted", clearingEUR, w5e, 3_000, "deposit", "2026-03-15T11:00:00Z")
            _ = try await transfer("posted", clearing, w4, 7_000, "deposit", "2026-04-01T00:00:00Z")
            // Not funding: a fee, and a hold until it is posted (paid) or voided (rejected).
            _ = try await transfer("posted", clearing, w1, 111, "psp_fee", "2026-03-03T00:00:00Z")
            let hold = try await transfer("pending", w1, held, 4_000, "withdrawal", "2026-03-01T12:00:00Z")
            _ = try await transfer("post_pending", w1, held, 4_000, "withdrawal", "2026-03-02T09:00:00Z", pending: hold)
            let voided = try await transfer("pending", w5, held, 500, "withdrawal", "2026-03-15T12:00:00Z")
            _ = try await transfer("void_pending", w5, held, 500, "withdrawal", "2026-03-16T12:00:00Z", pending: voided)

            // KYC: the rules run on submission, then Compliance decides.
            func decision(_ u: UUID, _ actor: String, _ outcome: String, _ time: String) async throws {
                try await tx.query("INSERT INTO kyc_decisions (user_id, decided_at, actor, outcome, facts) VALUES (\(u), \(at(time)), \(actor), \(outcome), '{}'::jsonb)")
            }
            try await decision(u1, "rules", "review", "2026-03-02T10:00:00Z")
            try await decision(u1, "staff:00000000-0000-0000-0000-000000000001", "approved", "2026-03-02T12:00:00Z")
            try await decision(u2, "rules", "review", "2026-03-10T13:00:00Z")
            try await decision(u2, "staff:00000000-0000-0000-0000-000000000001", "rejected", "2026-03-11T13:00:00Z")
            try await decision(u3, "rules", "approved", "2026-03-31T23:59:59Z")
            try await decision(u4, "rules", "review", "2026-03-31T20:00:00Z")
            try await decision(u4, "staff:00000000-0000-0000-0000-000000000001", "approved", "2026-04-01T01:00:00Z")

            // Deals: u1 twice on 03-01 and on 03-05, u2 on 03-05 (and a cancelled one on 03-06),
            // u3 on a demo account, u4 after the range.
            func account(_ u: UUID, _ login: String, _ kind: String) async throws -> UUID {
                let rows = try await tx.query("""
                    INSERT INTO trading_accounts (user_id, connection_id, login, kind, account_type, platform_group, currency, leverage, idempotency_key)
                    VALUES (\(u), 'dash', \(login), \(kind), 'standard', 'real', 'USD', 100, \(login)) RETURNING id
                    """).collect()
                return try rows[0].decode(UUID.self)
            }
            var ticket: Int64 = 0
            func deal(_ a: UUID, _ time: String, status: String = "booked") async throws {
                ticket += 1
                let ms = Int64(at(time).timeIntervalSince1970 * 1000)
                try await tx.query("""
                    INSERT INTO platform_deals (connection_id, deal, login, account_id, position_id, entry, side, symbol, volume_ext, currency, time_msc, status)
                    VALUES ('dash', \(ticket), 'x', \(a), \(ticket), 'in', 'buy', 'EURUSD', 100000000, 'USD', \(ms), \(status))
                    """)
            }
            let a1 = try await account(u1, "1001", "live"), a2 = try await account(u2, "1002", "live")
            let a3 = try await account(u3, "1003", "demo"), a4 = try await account(u4, "1004", "live")
            try await deal(a1, "2026-03-01T10:00:00Z")
            try await deal(a1, "2026-03-01T11:00:00Z")
            try await deal(a1, "2026-03-05T08:00:00Z")
            try await deal(a2, "2026-03-05T09:00:00Z")
            try await deal(a2, "2026-03-06T09:00:00Z", status: "cancelled")
            try await deal(a3, "2026-03-05T10:00:00Z")
            try await deal(a4, "2026-04-01T00:00:00Z")

            // IBs: ib1 GB, ib2 DE; posted settlements and commission lines.
            let i1 = try await user("ib", "ib1@dash.test", "GB", "2026-01-01T00:00:00Z", verified: true)
            let i2 = try await user("ib", "ib2@dash.test", "DE", "2026-01-01T00:00:00Z", verified: true)
            func partner(_ u: UUID) async throws -> UUID {
                try await tx.query("INSERT INTO partners (user_id, wallet_currency) VALUES (\(u), 'USD') RETURNING id").collect()[0].decode(UUID.self)
            }
            let p1 = try await partner(i1), p2 = try await partner(i2)
            func settlement(_ p: UUID, _ currency: String, _ amount: Int64, _ status: String, _ posted: String?) async throws {
                let time = posted.map(at)
                try await tx.query("""
                    INSERT INTO commission_settlements (id, partner_id, period_start, period_end, currency, amount, lines, status, posted_at)
                    VALUES (\(UUID()), \(p), \(time ?? at("2026-03-01T00:00:00Z"))::date, \(time ?? at("2026-03-01T00:00:00Z"))::date, \(currency), \(amount), 1, \(status), \(time))
                    """)
            }
            try await settlement(p1, "USD", 12_345, "posted", "2026-03-03T08:00:00Z")
            try await settlement(p2, "USD", 500, "posted", "2026-03-03T09:00:00Z")
            try await settlement(p2, "EUR", 1_000, "posted", "2026-04-01T00:00:00Z")
            try await settlement(p1, "EUR", 777, "approved", nil)
            let plan = try await tx.query("INSERT INTO commission_plans (name) VALUES ('Dash') RETURNING id").collect()[0].decode(UUID.self)
            let version = try await tx.query("""
                INSERT INTO commission_plan_versions (plan_id, version, body, effective_from) VALUES (\(plan), 1, '{}'::jsonb, \(at("2026-01-01T00:00:00Z"))) RETURNING id
                """).collect()[0].decode(UUID.self)
            func line(_ p: UUID, _ amount: Int64, _ time: String) async throws {
                ticket += 1
                try await tx.query("""
                    INSERT INTO commission_lines (connection_id, deal, deal_revision, deal_time, client_id, partner_id, level, component, kind,
                                                  plan_version_id, symbol, symbol_group, rate, base_currency, amount, currency)
                    VALUES ('dash', \(ticket), 1, \(at(time)), \(u1), \(p), 1, 'rebate', 'accrual', \(version), 'EURUSD', 'forex', '1.00 USD/lot', 'USD', \(amount), 'USD')
                    """)
            }
            try await line(p1, 300, "2026-03-02T00:00:00Z")
            try await line(p1, 200, "2026-03-20T00:00:00Z")
            try await line(p2, 700, "2026-03-10T00:00:00Z")
            try await line(p2, 100, "2026-03-31T23:59:59Z")
            try await line(p1, 1_000, "2026-04-01T00:00:00Z")
        }
    }
}
