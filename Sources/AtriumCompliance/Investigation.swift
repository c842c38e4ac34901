import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// Reads the facts of the one-screen investigation of a withdrawal: who requested and approved
/// it, what the withdrawal rules decided, the AML alerts and screening hits around it, the
/// client's KYC and screening status at the decision time, and the audit entries that prove it.
public enum Investigation {
    /// The facts of withdrawal `id`, nil when this brand has no such withdrawal.
    public static func facts(withdrawal id: UUID, brand: String, in tx: TenantTransaction) async throws -> InvestigationFacts? {
        guard let row = try await tx.query("""
            SELECT p.id, p.reference, p.user_id, u.email, p.amount, p.currency, p.psp_id, p.status, p.created_at, p.review_reasons, p.required_approvals,
                   (SELECT min(e.at) FROM payment_events e WHERE e.payment_id = p.id AND e.to_status IN ('approved', 'rejected'))
            FROM payments p JOIN users u ON u.id = p.user_id
            WHERE p.id = \(id) AND p.kind = 'withdrawal'
            """).collect().first else { return nil }
        let (pid, reference, client, email, amount, currency, psp, status, created, reasons, required, decided) =
            try row.decode((UUID, String, UUID, String, Int64, String, String, String, Date, [String], Int, Date?).self)
        let clientText = lower(client)
        // Everything "at the time" is read as of the decision; an undecided withdrawal is read as of now.
        let asOf = decided ?? Date()
        let requester = try await tx.query("""
            SELECT actor FROM payment_events WHERE payment_id = \(pid) ORDER BY at, id LIMIT 1
            """).collect().first?.decode(String.self) ?? "client:\(clientText)"
        let approvals = try await tx.query("""
            SELECT a.staff_id, coalesce(u.email, ''), a.at FROM payment_approvals a LEFT JOIN users u ON u.id = a.staff_id
            WHERE a.payment_id = \(pid) ORDER BY a.at, a.staff_id
            """).collect().map { r in
            let (staff, mail, at) = try r.decode((UUID, String, Date).self)
            return InvestigationFacts.Approval(staff: lower(staff), email: mail, at: iso(at))
        }
        let events = try await tx.query("""
            SELECT at, from_status, to_status, actor, detail FROM payment_events WHERE payment_id = \(pid) ORDER BY at, id
            """).collect().map { r in
            let (at, from, to, actor, detail) = try r.decode((Date, String, String, String, String).self)
            return InvestigationFacts.Event(at: iso(at), from: from, to: to, actor: actor, detail: detail)
        }
        let alerts = try await tx.query("""
            SELECT rule, created_at, facts::text FROM aml_alerts WHERE client_id = \(client) AND created_at <= \(asOf) ORDER BY created_at, id
            """).collect().map { r in
            let (rule, at, facts) = try r.decode((String, Date, String).self)
            return InvestigationFacts.Alert(rule: rule, at: iso(at), facts: facts)
        }
        let hits = try await tx.query("""
            SELECT source, entry_name, score::text, CASE WHEN decided_at IS NULL OR decided_at > \(asOf) THEN
                       CASE WHEN status = 'superseded' THEN 'superseded' ELSE 'open' END ELSE status END, created_at
            FROM screening_hits WHERE client_id = \(client) AND created_at <= \(asOf) ORDER BY created_at, id
            """).collect().map { r in
            let (source, entry, score, then, at) = try r.decode((String, String, String, String, Date).self)
            return InvestigationFacts.Hit(source: source, entry: entry, score: score, statusThen: then, at: iso(at))
        }
        let screeningThen = hits.contains { $0.statusThen == "confirmed" } ? "confirmed_hit" : hits.contains { $0.statusThen == "open" } ? "open_hit" : "clear"
        let kyc = try await tx.query("""
            SELECT outcome, decided_at, actor, reasons FROM kyc_decisions WHERE user_id = \(client) AND decided_at <= \(asOf)
            ORDER BY decided_at DESC, id DESC LIMIT 1
            """).collect().first.map { r in
            let (outcome, at, actor, reasons) = try r.decode((String, Date, String, [String]).self)
            return InvestigationFacts.KYCThen(outcome: outcome, at: iso(at), actor: actor, reasons: reasons)
        }
        let audit = try await tx.query("""
            SELECT seq, action, actor, encode(hash, 'hex'), encode(prev_hash, 'hex') FROM audit_log
            WHERE subject = \("payment:\(reference)")
               OR (subject IN (\("trader:\(clientText)"), \("client:\(clientText)")) AND at <= \(asOf)
                   AND action ~ '^(kyc|screening|aml|account|freeze|risk_flag)\\.')
            ORDER BY seq LIMIT 500
            """).collect().map { r in
            let (seq, action, actor, hash, prev) = try r.decode((Int64, String, String, String, String).self)
            return CitedAuditEntry(seq: seq, action: action, actor: actor, hash: hash, prevHash: prev)
        }
        let withdrawal = InvestigationFacts.Withdrawal(id: lower(pid), reference: reference, client: clientText, clientEmail: email, amountMinor: amount,
                                                       currency: currency, psp: psp, status: status, requestedAt: iso(created), requestedBy: requester,
                                                       ruleReasons: reasons, requiredApprovals: required)
        return InvestigationFacts(brand: brand, withdrawal: withdrawal, decidedAt: decided.map(iso), approvals: approvals, events: events,
                                  amlAlerts: alerts, screeningHits: hits, screeningThen: screeningThen, kycThen: kyc, audit: audit)
    }

    /// The audit rows `from...to` of this tenant as a case file carries them.
    public static func segment(from: Int64, to: Int64, in tx: TenantTransaction) async throws -> [CaseFileAuditRow] {
        try await tx.query("""
            SELECT seq, (extract(epoch FROM at) * 1000000)::bigint::text, at, actor, action, subject, before::text, after::text, request_id,
                   encode(prev_hash, 'hex'), encode(hash, 'hex')
            FROM audit_log WHERE seq BETWEEN \(from) AND \(to) ORDER BY seq
            """).collect().map { r in
            let (seq, micros, at, actor, action, subject, before, after, request, prev, hash) =
                try r.decode((Int64, String, Date, String, String, String, String?, String?, String, String, String).self)
            return CaseFileAuditRow(seq: seq, atMicros: micros, at: iso(at), actor: actor, action: action, subject: subject, before: before,
                                    after: after, requestID: request, prevHash: prev, hash: hash)
        }
    }

    static func iso(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static func lower(_ id: UUID) -> String { id.uuidString.lowercased() }
}
