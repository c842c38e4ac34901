import AtriumBrandConfig
import AtriumLedger
import AtriumStorage
import Foundation

/// Writes one new demo client's history with back-dated business times. Money moves through the
/// ledger's transfer functions exactly as real deposits and paid withdrawals do (same accounts and
/// codes, ids derived from the payment), so `ledger_verify()` stays clean; each transfer is booked
/// at its back-dated time through `atrium.demo_booked_at` (tenant migration 0023).
struct DemoHistoryWriter {
    let tx: TenantTransaction
    let client: UUID
    let plan: DemoClientPlan
    let now: Date
    let psp: TenantConfig.PSPConfig?
    let currency: Currency
    let compliance: UUID?
    let sales: UUID?

    var pspID: String { psp?.id ?? "demo" }
    var registered: Date { now.addingTimeInterval(-Double(plan.registeredAgo)) }
    /// A moment `hours` after `start`, never later than a minute ago.
    func at(_ start: Date, hours: Int) -> Date { min(start.addingTimeInterval(Double(hours) * 3_600), now.addingTimeInterval(-60)) }

    func write() async throws {
        try await tx.query("""
            UPDATE users SET created_at = \(registered), updated_at = \(registered), email_verified_at = \(registered) WHERE id = \(client)
            """)
        let decided = at(registered, hours: plan.decisionHours)
        try await kyc(decided: decided)
        var funded: Date?
        var total: Int64 = 0
        for (n, deposit) in plan.deposits.enumerated() {
            let when = at(decided, hours: deposit.hoursAfter)
            try await self.deposit(n, amount: deposit.amount, at: when)
            total += deposit.amount
            funded = min(funded ?? when, when)
        }
        let withdrawal = total * Int64(plan.withdrawPercent) / 100 / 100 * 100
        if withdrawal > 0 { try await withdraw(withdrawal, at: at(decided, hours: 250)) }
        try await lead(funded: funded)
        if plan.assigned, let sales {
            try await tx.query("""
                INSERT INTO client_agents (client_id, agent_id, assigned_at, assigned_by) VALUES (\(client), \(sales), \(registered), 'demo')
                ON CONFLICT (client_id) DO NOTHING
                """)
        }
    }

    /// Books the ledger transfers that follow at `time` (nil: now again), for this transaction only.
    func bookAt(_ time: Date?) async throws {
        // Through timestamptz's own text form, so the booked time keeps its microseconds.
        try await tx.query("SELECT set_config('atrium.demo_booked_at', coalesce(\(time)::timestamptz::text, ''), true)")
    }

    func kyc(decided: Date) async throws {
        // The rules engine puts a submitted application in review first; Compliance decides later.
        if plan.kyc != "not_started" {
            let submitted = registered.addingTimeInterval(min(1_800, decided.timeIntervalSince(registered) / 2))
            try await tx.query("""
                INSERT INTO kyc_decisions (user_id, decided_at, actor, outcome, reasons, note, facts)
                VALUES (\(client), \(submitted), 'rules', 'review', '{manual_review}', 'demo history', '{}'::jsonb)
                """)
        }
        switch plan.kyc {
        case "approved", "rejected":
            let actor = compliance.map { "staff:\($0.uuidString.lowercased())" } ?? "demo"
            let reasons = plan.kyc == "rejected" ? ["document_unreadable"] : []
            try await tx.query("""
                INSERT INTO kyc_decisions (user_id, decided_at, actor, outcome, reasons, note, facts)
                VALUES (\(client), \(decided), \(actor), \(plan.kyc), \(reasons), 'demo history', '{}'::jsonb)
                """)
            let approvedAt: Date? = plan.kyc == "approved" ? decided : nil
            try await tx.query("UPDATE users SET kyc_status = \(plan.kyc), kyc_approved_at = \(approvedAt), kyc_reasons = \(reasons) WHERE id = \(client)")
        case "submitted":
            try await tx.query("UPDATE users SET kyc_status = 'submitted' WHERE id = \(client)")
        default:
            break
        }
    }

    /// Inserts a payment row once (the idempotency key is per client); nil when it already existed.
    func payment(kind: String, key: String, amount: Int64, status: String, at when: Date) async throws -> (id: UUID, reference: String)? {
        let reference = "DEMO-\(kind.prefix(1).uppercased())-\(client.uuidString.lowercased())-\(key.suffix(2))"
        let rows = try await tx.query("""
            INSERT INTO payments (kind, user_id, psp_id, psp_type, currency, amount, settled_amount, status, reference, idempotency_key,
                                  created_at, updated_at)
            VALUES (\(kind), \(client), \(pspID), \(psp?.type ?? "bank_wire"), \(currency.code), \(amount), \(amount), \(status), \(reference),
                    \(key), \(when.addingTimeInterval(-300)), \(when))
            ON CONFLICT (user_id, idempotency_key) DO NOTHING RETURNING id
            """).collect()
        guard let id = try rows.first?.decode(UUID.self) else { return nil }
        return (id, reference)
    }

    func event(_ payment: UUID, _ from: String, _ to: String, at when: Date) async throws {
        try await tx.query("""
            INSERT INTO payment_events (payment_id, at, from_status, to_status, actor, detail) VALUES (\(payment), \(when), \(from), \(to), 'demo', 'demo history')
            """)
    }

    func deposit(_ n: Int, amount: Int64, at when: Date) async throws {
        guard let (id, reference) = try await payment(kind: "deposit", key: "demo-deposit-\(n)", amount: amount, status: "succeeded", at: when) else { return }
        try await event(id, "", "created", at: when.addingTimeInterval(-300))
        try await event(id, "created", "succeeded", at: when)
        let clearing = try await Ledger.house(.pspClearing, pspID, currency: currency, in: tx)
        let wallet = try await Ledger.wallet(user: client, currency: currency, in: tx)
        try await bookAt(when)
        try await Ledger.transfer(id: Ledger.transferID("deposit", id.uuidString), debit: clearing, credit: wallet, amount: amount,
                                  code: "deposit", reference: reference, in: tx)
        try await bookAt(nil)
    }

    /// A paid withdrawal: the hold, its posting and the payout to the PSP, as `Payments` books them.
    func withdraw(_ amount: Int64, at when: Date) async throws {
        guard let (id, reference) = try await payment(kind: "withdrawal", key: "demo-withdrawal-0", amount: amount, status: "paid", at: when) else { return }
        let hold = Ledger.transferID("withdrawal-hold", id.uuidString)
        let wallet = try await Ledger.wallet(user: client, currency: currency, in: tx)
        let pending = try await Ledger.house(.withdrawalsPending, "all", currency: currency, in: tx)
        try await bookAt(when.addingTimeInterval(-300))
        try await Ledger.transfer(id: hold, kind: .pending, debit: wallet, credit: pending, amount: amount, code: "withdrawal", reference: reference, in: tx)
        try await tx.query("UPDATE payments SET hold_id = \(hold) WHERE id = \(id)")
        try await bookAt(when)
        try await Ledger.post(pending: hold, id: Ledger.transferID("withdrawal-post", id.uuidString), code: "withdrawal", in: tx)
        let clearing = try await Ledger.house(.pspClearing, pspID, currency: currency, in: tx)
        try await Ledger.transfer(id: Ledger.transferID("withdrawal-payout", id.uuidString), debit: pending, credit: clearing, amount: amount,
                                  code: "payout", reference: reference, in: tx)
        try await bookAt(nil)
        try await event(id, "", "approved", at: when.addingTimeInterval(-300))
        try await event(id, "approved", "processing", at: when.addingTimeInterval(-120))
        try await event(id, "processing", "paid", at: when)
    }

    /// The lead row and its stage changes: funded clients reach `funded`, the others stop at their drawn stage.
    func lead(funded: Date?) async throws {
        let target = funded == nil ? plan.stage : "funded"
        let path: [String] = switch target {
        case "funded": ["contacted", "documents", "funded"]
        case "documents": ["contacted", "documents"]
        case "contacted": ["contacted"]
        case "lost": ["contacted", "lost"]
        default: []
        }
        guard !path.isEmpty else { return }
        let end = funded ?? now.addingTimeInterval(-3_600)
        let span = max(60, end.timeIntervalSince(registered))
        let actor = sales.map { "staff:\($0.uuidString.lowercased())" } ?? "demo"
        var from = "new"
        var last = registered
        for (k, stage) in path.enumerated() {
            last = registered.addingTimeInterval(span * Double(k + 1) / Double(path.count))
            try await tx.query("""
                INSERT INTO lead_events (client_id, from_stage, to_stage, reason, actor, at)
                VALUES (\(client), \(from), \(stage), \(stage == "lost" ? "not interested" : nil), \(actor), \(last))
                """)
            from = stage
        }
        try await tx.query("""
            INSERT INTO leads (client_id, stage, lost_reason, changed_at, changed_by)
            VALUES (\(client), \(target), \(target == "lost" ? "not interested" : nil), \(last), \(actor))
            ON CONFLICT (client_id) DO NOTHING
            """)
    }

    /// Counts of the brand's demo history.
    static func summary(slug: String, created: Int, in tx: TenantTransaction) async throws -> DemoHistory {
        let row = try await tx.query("""
            WITH demo AS (SELECT id FROM users WHERE audience = 'trader' AND email LIKE 'demo-%')
            SELECT (SELECT count(*)::int FROM demo),
                   (SELECT count(*)::int FROM payments WHERE kind = 'deposit' AND user_id IN (SELECT id FROM demo)),
                   (SELECT count(*)::int FROM payments WHERE kind = 'withdrawal' AND user_id IN (SELECT id FROM demo)),
                   (SELECT count(*)::int FROM kyc_decisions WHERE user_id IN (SELECT id FROM demo)),
                   (SELECT count(*)::int FROM leads WHERE client_id IN (SELECT id FROM demo)),
                   (SELECT count(*)::int FROM client_agents WHERE client_id IN (SELECT id FROM demo))
            """).collect().first?.decode((Int, Int, Int, Int, Int, Int).self) ?? (0, 0, 0, 0, 0, 0)
        return DemoHistory(clients: row.0, created: created, deposits: row.1, withdrawals: row.2, kycDecisions: row.3, leads: row.4, assigned: row.5)
    }
}
