import AtriumCompliance
import AtriumCore
import AtriumLedger
import AtriumStorage
import AtriumBrandConfig
import Foundation
import PostgresNIO

extension Payments {
    /// Places a hold on the wallet, runs the brand's rules, and either approves (then pays out) or
    /// queues the request for Finance.
    public func requestWithdrawal(tenant: TenantHandle, brand: TenantConfig, client: PaymentClient, pspID: String, money: Money,
                                  idempotencyKey: String, origin: String) async throws -> PaymentRecord {
        guard let psp = psp(brand, id: pspID), psp.isConfigured, psp.config.currencies.contains(money.currency.code) else {
            throw PaymentError.methodUnavailable(pspID)
        }
        guard psp.gateway().supportsPayouts else { throw PaymentError.noPayouts(pspID) }
        if let max = psp.config.maxAmountMinor, money.minor > max { throw PaymentError.methodUnavailable("above maximum") }
        let reference = Self.newReference("W")
        let record: PaymentRecord = try await tenantDB.transaction(tenant) { tx in
            let facts = try await withdrawalFacts(client: client, amount: money, in: tx)
            // After the facts: they lock the client's row FOR UPDATE, so checking first (FOR SHARE)
            // would let two concurrent requests deadlock upgrading their locks.
            try await AccountFreezes.ensureNotFrozen(client.id, in: tx)
            let decision = WithdrawalRules.decide(facts, policy: brand.withdrawals)
            let rows = try await tx.query("""
                INSERT INTO payments (kind, user_id, psp_id, psp_type, currency, amount, status, reference, idempotency_key, ip, user_agent,
                                      review_reasons, required_approvals, origin)
                VALUES ('withdrawal', \(client.id), \(psp.id), \(psp.type), \(money.currency.code), \(money.minor),
                        \(decision.reviewReasons.isEmpty ? "approved" : "review"), \(reference), \(idempotencyKey), \(client.ip), \(client.userAgent),
                        \(decision.reviewReasons), \(decision.requiredApprovals), \(origin))
                ON CONFLICT (user_id, idempotency_key) DO NOTHING RETURNING id
                """).collect()
            guard let id = try rows.first?.decode(UUID.self) else {
                let existing = try await tx.query("SELECT id FROM payments WHERE user_id = \(client.id) AND idempotency_key = \(idempotencyKey)").collect()
                guard let id = try existing.first?.decode(UUID.self), let p = try await PaymentQueries.one(id: id, in: tx) else { throw PaymentError.notFound }
                return p
            }
            let hold = Ledger.transferID("withdrawal-hold", id.uuidString)
            let wallet = try await Ledger.wallet(user: client.id, currency: money.currency, in: tx)
            let pending = try await Ledger.house(.withdrawalsPending, "all", currency: money.currency, in: tx)
            try await Ledger.transfer(id: hold, kind: .pending, debit: wallet, credit: pending, amount: money.minor,
                                      code: "withdrawal", reference: reference, in: tx)
            try await tx.query("UPDATE payments SET hold_id = \(hold) WHERE id = \(id)")
            let status = decision.reviewReasons.isEmpty ? "approved" : "review"
            let detail = decision.reviewReasons.isEmpty ? "auto-approved by the withdrawal rules" : "review: " + decision.reviewReasons.joined(separator: ", ")
            try await PaymentQueries.event(id, from: "", to: status, actor: "client:\(client.id.uuidString.lowercased())", detail: detail, in: tx)
            try await AuditLog.append(AuditEntry(actor: "client:\(client.id.uuidString.lowercased())", action: "withdrawal.requested",
                                                 subject: "payment:\(reference)",
                                                 after: PaymentQueries.jsonObject(["amount": "\(money.minor)", "currency": money.currency.code, "psp": psp.id,
                                                                                   "status": status, "reasons": decision.reviewReasons.joined(separator: ",")])),
                                      in: tx)
            try await WebhookEvents.record(.withdrawalRequested, PaymentWebhooks.data(id: id, reference: reference, kind: "withdrawal", client: client.id, psp: psp.id,
                                                                         minor: money.minor, currency: money.currency.code, status: status), in: tx)
            if decision.reviewReasons.isEmpty {
                tx.enqueue(JobRequest(kind: PaymentJobs.payout, payload: try PaymentJobs.payload(payment: id)))
            }
            guard let p = try await PaymentQueries.one(id: id, in: tx) else { throw PaymentError.notFound }
            return p
        }
        return record
    }

    func withdrawalFacts(client: PaymentClient, amount: Money, in tx: TenantTransaction) async throws -> WithdrawalFacts {
        let row = try await tx.query("""
            SELECT u.kyc_status, u.kyc_approved_at,
                   (SELECT min(t) FROM (SELECT min(created_at) AS t FROM sessions WHERE user_id = u.id AND user_agent = \(client.userAgent)
                                        UNION ALL SELECT min(created_at) FROM payments WHERE user_id = u.id AND user_agent = \(client.userAgent)) x),
                   (SELECT count(*) FROM payments WHERE user_id = u.id AND status = 'charged_back')::int,
                   (SELECT coalesce(max(coalesce(settled_amount, amount)), 0) FROM payments WHERE user_id = u.id AND currency = \(amount.currency.code)
                        AND status IN ('succeeded', 'paid'))::bigint,
                   (SELECT count(*) FROM payments WHERE user_id = u.id AND kind = 'withdrawal' AND created_at > now() - interval '24 hours')::int
            FROM users u WHERE u.id = \(client.id) FOR UPDATE
            """).collect().first
        guard let (kyc, approvedAt, firstSeen, chargebacks, largest, recent) = try row?.decode((String, Date?, Date?, Int, Int64, Int).self) else {
            throw PaymentError.notFound
        }
        return WithdrawalFacts(amount: amount.minor, currency: amount.currency.code, kycStatus: kyc, kycApprovedAt: approvedAt, deviceFirstSeen: firstSeen, chargebacks: chargebacks,
                               largestEarlierAmount: largest, requestsLast24h: recent, now: Date())
    }

    /// A Finance approval. Above the dual-approval threshold a second, different approver is needed;
    /// the last approval queues the payout.
    public func approveWithdrawal(tenant: TenantHandle, payment: UUID, staff: UUID, requestID: String) async throws -> PaymentRecord {
        try await tenantDB.transaction(tenant) { tx in
            guard let p = try await PaymentQueries.one(id: payment, lock: true, in: tx), p.kind == .withdrawal else { throw PaymentError.notFound }
            guard p.status == .review else { throw PaymentError.invalidState(p.status) }
            // A freeze that landed while the request waited in the queue stops the payout here.
            try await AccountFreezes.ensureNotFrozen(p.userID, in: tx)
            let added = try await tx.query("""
                INSERT INTO payment_approvals (payment_id, staff_id) VALUES (\(p.id), \(staff)) ON CONFLICT DO NOTHING RETURNING staff_id
                """).collect()
            guard !added.isEmpty else { throw PaymentError.sameApprover }
            let actor = "staff:\(staff.uuidString.lowercased())"
            if p.approvals + 1 >= p.requiredApprovals {
                try await PaymentQueries.move(p, to: .approved, actor: actor, detail: "approval \(p.approvals + 1) of \(p.requiredApprovals)", in: tx)
                tx.enqueue(JobRequest(kind: PaymentJobs.payout, payload: try PaymentJobs.payload(payment: p.id)))
            } else {
                try await PaymentQueries.event(p.id, from: p.status.rawValue, to: p.status.rawValue, actor: actor,
                                               detail: "approval \(p.approvals + 1) of \(p.requiredApprovals)", in: tx)
                try await AuditLog.append(AuditEntry(actor: actor, action: "withdrawal.approval", subject: "payment:\(p.reference)",
                                                     after: try CanonicalJSON.object(["approvals": p.approvals + 1, "required": p.requiredApprovals]), requestID: requestID), in: tx)
            }
            guard let updated = try await PaymentQueries.one(id: p.id, in: tx) else { throw PaymentError.notFound }
            return updated
        }
    }

    public func rejectWithdrawal(tenant: TenantHandle, payment: UUID, staff: UUID, reason: String) async throws {
        try await tenantDB.transaction(tenant) { tx in
            guard let p = try await PaymentQueries.one(id: payment, lock: true, in: tx), p.kind == .withdrawal else { throw PaymentError.notFound }
            guard p.status == .review || p.status == .approved else { throw PaymentError.invalidState(p.status) }
            try await releaseHold(p, in: tx)
            try await PaymentQueries.move(p, to: .rejected, actor: "staff:\(staff.uuidString.lowercased())", detail: reason, failureReason: reason, in: tx)
        }
    }

    func releaseHold(_ p: PaymentRecord, in tx: TenantTransaction) async throws {
        guard let hold = p.holdID else { return }
        try await Ledger.void(pending: hold, id: Ledger.transferID("withdrawal-void", p.id.uuidString), code: "withdrawal", in: tx)
    }

    func settleWithdrawal(_ p: PaymentRecord, in tx: TenantTransaction) async throws {
        guard let hold = p.holdID else { return }
        try await Ledger.post(pending: hold, id: Ledger.transferID("withdrawal-post", p.id.uuidString), code: "withdrawal", in: tx)
        let pending = try await Ledger.house(.withdrawalsPending, "all", currency: p.currency, in: tx)
        let clearing = try await Ledger.house(.pspClearing, p.pspID, currency: p.currency, in: tx)
        try await Ledger.transfer(id: Ledger.transferID("withdrawal-payout", p.id.uuidString), debit: pending, credit: clearing, amount: p.amount,
                                  code: "payout", reference: p.reference, in: tx)
    }

    /// Sends an approved withdrawal to its PSP. Safe to repeat: the PSP call carries the payment
    /// reference as its idempotency key, and only an `approved` payment moves to `processing`.
    public func sendPayout(tenant: TenantHandle, brand: TenantConfig, payment: UUID) async throws {
        let found = try await tenantDB.transaction(tenant) { tx -> (PaymentRecord, String)? in
            guard let p = try await PaymentQueries.one(id: payment, in: tx) else { return nil }
            let origin = try await tx.query("SELECT origin FROM payments WHERE id = \(payment)").collect().first?.decode(String.self) ?? ""
            return (p, origin)
        }
        guard let (p, origin) = found, p.kind == .withdrawal, p.status == .approved else { return }
        guard let psp = psp(brand, id: p.pspID) else { throw PaymentError.methodUnavailable(p.pspID) }
        let started = ContinuousClock.now
        let providerRef: String
        do {
            providerRef = try await psp.gateway().createPayout(PayoutRequest(reference: p.reference, amount: p.amount, currency: p.currency.code,
                                                                             notifyURL: "\(origin)/psp/callback/\(psp.id)"))
            try await recordAttempt(tenant: tenant, psp: psp.id, operation: "payout", ok: true, since: started, error: "")
        } catch {
            try await recordAttempt(tenant: tenant, psp: psp.id, operation: "payout", ok: false, since: started, error: "\(error)")
            throw error   // the job retries with backoff
        }
        try await tenantDB.transaction(tenant) { tx in
            guard let locked = try await PaymentQueries.one(id: payment, lock: true, in: tx), locked.status == .approved else { return }
            try await PaymentQueries.move(locked, to: .processing, actor: "system", detail: "payout \(providerRef) sent to \(psp.id)",
                                          providerRef: providerRef, in: tx)
        }
    }
}
