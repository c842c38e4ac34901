import AtriumCompliance
import AtriumCore
import AtriumLedger
import AtriumStorage
import AtriumBrandConfig
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The client a payment is for, as the routes know them.
public struct PaymentClient: Sendable {
    public let id: UUID
    public let email: String
    public let country: String
    public let ip: String
    public let userAgent: String

    public init(id: UUID, email: String, country: String, ip: String, userAgent: String) {
        self.id = id
        self.email = email
        self.country = country
        self.ip = ip
        self.userAgent = userAgent
    }
}

public enum DepositStart: Sendable, Equatable {
    case redirect(payment: UUID, url: String)
    case instructions(payment: UUID, BankInstructions)
    /// The same form was submitted again: the first payment stands.
    case existing(payment: UUID)
}

public enum CallbackReceipt: Sendable, Equatable {
    case accepted(inboxID: Int64)
    case duplicate(inboxID: Int64)
    case rejected(VerificationFailure)
}

/// Deposits, withdrawals and PSP callbacks for every tenant. Money moves only through `Ledger`,
/// inside the same tenant transaction as the payment's state change.
public struct Payments: Sendable {
    public let tenantDB: TenantDB
    public let breaker: CircuitBreaker
    public let environment: [String: String]
    public let sandbox: SandboxEndpoint
    public let logger: Logger
    /// Seconds a card or crypto checkout may stay unanswered before it is marked failed (timeout).
    public let expirySeconds: Int
    /// Test-only: `after-inbox` ends the process right after a callback is stored, before processing.
    public let failpoint: String?
    /// Opens PSP credentials sealed in the Back Office.
    public let vault: CredentialVault?

    public init(tenantDB: TenantDB, breaker: CircuitBreaker = CircuitBreaker(), environment: [String: String], sandbox: SandboxEndpoint,
                logger: Logger, expirySeconds: Int = 1800, failpoint: String? = nil, vault: CredentialVault? = nil) {
        self.vault = vault
        self.tenantDB = tenantDB
        self.breaker = breaker
        self.environment = environment
        self.sandbox = sandbox
        self.logger = logger
        self.expirySeconds = expirySeconds
        self.failpoint = failpoint
    }

    public func psps(_ brand: TenantConfig) -> [ResolvedPSP] {
        PSPDirectory.resolve(brand, environment: environment, sandbox: sandbox, vault: vault)
    }

    public func psp(_ brand: TenantConfig, id: String) -> ResolvedPSP? {
        psps(brand).first { $0.id == id }
    }

    /// Currencies the brand's PSPs take, for the deposit and withdrawal forms.
    public func currencies(_ brand: TenantConfig) -> [String] {
        Array(Set((brand.psps ?? []).flatMap(\.currencies))).sorted()
    }

    static func newReference(_ prefix: String) -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var g = SystemRandomNumberGenerator()
        return prefix + "-" + String((0..<10).map { _ in alphabet[Int(g.next(upperBound: UInt32(alphabet.count)))] })
    }

    // MARK: deposits

    /// Creates the payment, asks the PSP for a checkout, and returns where to send the client.
    /// `origin` is the brand origin the client used (return and callback URLs are built from it).
    public func startDeposit(tenant: TenantHandle, brand: TenantConfig, client: PaymentClient, pspID: String, money: Money,
                             idempotencyKey: String, origin: String) async throws -> DepositStart {
        let (eligible, excluded) = PSPRouter.candidates(psps(brand), currency: money.currency.code, country: client.country, amount: money.minor,
                                                        breaker: breaker, tenant: tenant.id)
        guard let psp = eligible.first(where: { $0.id == pspID }) else {
            throw PaymentError.methodUnavailable(excluded.first { $0.pspID == pspID }?.reason ?? "unknown method")
        }
        let reference = Self.newReference("D")
        let created: UUID? = try await tenantDB.transaction(tenant) { tx in
            try await AccountFreezes.ensureNotFrozen(client.id, in: tx)
            let rows = try await tx.query("""
                INSERT INTO payments (kind, user_id, psp_id, psp_type, currency, amount, status, reference, idempotency_key, ip, user_agent)
                VALUES ('deposit', \(client.id), \(psp.id), \(psp.type), \(money.currency.code), \(money.minor), 'created', \(reference),
                        \(idempotencyKey), \(client.ip), \(client.userAgent))
                ON CONFLICT (user_id, idempotency_key) DO NOTHING RETURNING id
                """)
            guard let id = try await rows.collect().first?.decode(UUID.self) else { return nil }
            try await PaymentQueries.event(id, from: "", to: "created", actor: "client:\(client.id.uuidString.lowercased())",
                                           detail: "\(money) via \(psp.id)", in: tx)
            if psp.type != "bank_wire" {
                tx.enqueue(JobRequest(kind: PaymentJobs.expire, payload: try PaymentJobs.payload(payment: id), delaySeconds: expirySeconds))
            }
            return id
        }
        guard let paymentID = created else {
            let existing = try await tenantDB.transaction(tenant) { tx in
                try await tx.query("SELECT id FROM payments WHERE user_id = \(client.id) AND idempotency_key = \(idempotencyKey)").collect().first?.decode(UUID.self)
            }
            return .existing(payment: try existing ?? { throw PaymentError.notFound }())
        }
        let request = CheckoutRequest(reference: reference, amount: money.minor, currency: money.currency.code, email: client.email,
                                      returnURL: "\(origin)/wallet/deposits/\(paymentID.uuidString.lowercased())",
                                      cancelURL: "\(origin)/wallet/deposits/\(paymentID.uuidString.lowercased())?cancelled=1",
                                      notifyURL: "\(origin)/psp/callback/\(psp.id)")
        let started = ContinuousClock.now
        do {
            let result = try await psp.gateway().createDeposit(request)
            try await recordAttempt(tenant: tenant, psp: psp.id, operation: "checkout", ok: true, since: started, error: "")
            switch result {
            case .redirect(let url, let providerRef):
                try await tenantDB.transaction(tenant) { tx in
                    try await tx.query("UPDATE payments SET provider_ref = \(providerRef), updated_at = now() WHERE id = \(paymentID)")
                }
                return .redirect(payment: paymentID, url: url)
            case .instructions(let instructions):
                try await tenantDB.transaction(tenant) { tx in
                    guard let p = try await PaymentQueries.one(id: paymentID, lock: true, in: tx) else { return }
                    try await PaymentQueries.move(p, to: .pending, actor: "system", detail: "awaiting bank transfer", in: tx)
                }
                return .instructions(payment: paymentID, instructions)
            }
        } catch {
            let message = "\(error)"
            try await recordAttempt(tenant: tenant, psp: psp.id, operation: "checkout", ok: false, since: started, error: message)
            try await tenantDB.transaction(tenant) { tx in
                guard let p = try await PaymentQueries.one(id: paymentID, lock: true, in: tx), p.status == .created else { return }
                try await PaymentQueries.move(p, to: .failed, actor: "system", detail: "\(psp.id) did not create the payment: \(message)",
                                              failureReason: "psp_unavailable", in: tx)
            }
            let next = eligible.map(\.id).filter { $0 != psp.id && breaker.state(tenant: tenant.id, psp: $0) != .open }
            throw PaymentError.pspUnavailable(next: next)
        }
    }

    func recordAttempt(tenant: TenantHandle, psp: String, operation: String, ok: Bool, since: ContinuousClock.Instant, error: String) async throws {
        breaker.record(tenant: tenant.id, psp: psp, ok: ok)
        let elapsed = ContinuousClock.now - since
        let ms = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        try await tenantDB.transaction(tenant) { tx in
            try await tx.query("INSERT INTO psp_attempts (psp_id, operation, ok, latency_ms, error) VALUES (\(psp), \(operation), \(ok), \(ms), \(String(error.prefix(500))))")
        }
    }

    /// Marks a checkout that was never answered as failed (timeout). A late success still credits it.
    public func expire(tenant: TenantHandle, payment: UUID) async throws {
        try await tenantDB.transaction(tenant) { tx in
            guard let p = try await PaymentQueries.one(id: payment, lock: true, in: tx), p.kind == .deposit,
                  p.status == .created || p.status == .pending else { return }
            try await PaymentQueries.move(p, to: .failed, actor: "system", detail: "no answer from \(p.pspID) in time",
                                          failureReason: PaymentStateMachine.timeoutReason, in: tx)
        }
    }

    // MARK: callbacks

    /// Stores the raw callback with its verification result. A verified, new event is queued for
    /// processing in the same transaction, so a crash after this point still processes it.
    public func receiveCallback(tenant: TenantHandle, brand: TenantConfig, pspID: String, headers: [String: String], body: [UInt8],
                                now: Date = Date()) async throws -> CallbackReceipt {
        let verdict: Result<PSPEvent, VerificationFailure>
        if let psp = psp(brand, id: pspID) {
            do throws(VerificationFailure) { verdict = .success(try psp.gateway().verify(headers: headers, body: body, now: now)) } catch { verdict = .failure(error) }
        } else {
            verdict = .failure(.notConfigured)
        }
        let headerJSON = try PaymentQueries.jsonObject(headers.filter { ["stripe-signature", IPNSignature.headerName, "content-type", "user-agent"].contains($0.key) })
        let raw = ByteBuffer(bytes: body)
        return try await tenantDB.transaction(tenant) { tx in
            switch verdict {
            case .failure(let failure):
                try await tx.query("""
                    INSERT INTO psp_inbox (psp_id, headers, raw_body, verified, verify_error, processed_at, process_result)
                    VALUES (\(pspID), \(headerJSON)::jsonb, \(raw), false, \(failure.description), now(), 'rejected')
                    """)
                return .rejected(failure)
            case .success(let event):
                let inserted = try await tx.query("""
                    INSERT INTO psp_inbox (psp_id, headers, raw_body, verified, event_id, event_kind, reference, amount, currency, detail, payer_name)
                    VALUES (\(pspID), \(headerJSON)::jsonb, \(raw), true, \(event.eventID), \(event.kind.rawValue), \(event.reference), \(event.amount),
                            \(event.currency), \(event.detail), \(event.payerName))
                    ON CONFLICT (psp_id, event_id) WHERE verified AND duplicate_of IS NULL DO NOTHING RETURNING id
                    """).collect().first?.decode(Int64.self)
                if let id = inserted {
                    tx.enqueue(JobRequest(kind: PaymentJobs.inbox, payload: try PaymentJobs.payload(inbox: id)))
                    return .accepted(inboxID: id)
                }
                let first = try await tx.query("SELECT id FROM psp_inbox WHERE psp_id = \(pspID) AND event_id = \(event.eventID) AND verified AND duplicate_of IS NULL")
                    .collect().first?.decode(Int64.self)
                let dup = try await tx.query("""
                    INSERT INTO psp_inbox (psp_id, headers, raw_body, verified, event_id, event_kind, reference, amount, duplicate_of, processed_at, process_result)
                    VALUES (\(pspID), \(headerJSON)::jsonb, \(raw), true, \(event.eventID), \(event.kind.rawValue), \(event.reference), \(event.amount),
                            \(first), now(), 'duplicate')
                    RETURNING id
                    """).collect().first?.decode(Int64.self)
                return .duplicate(inboxID: dup ?? 0)
            }
        }
    }

    /// Applies one stored event to its payment and the ledger, exactly once.
    @discardableResult
    public func processInbox(tenant: TenantHandle, brand: TenantConfig, inboxID: Int64) async throws -> String {
        try await tenantDB.transaction(tenant) { tx in
            let rows = try await tx.query("""
                SELECT psp_id, processed_at IS NOT NULL, process_result FROM psp_inbox WHERE id = \(inboxID) AND verified FOR UPDATE
                """).collect()
            guard let row = rows.first else { return "not found" }
            let (pspID, processed, result) = try row.decode((String, Bool, String).self)
            if processed { return result }
            var outcome = "psp \(pspID) no longer configured"
            var effects: Effects?
            if let psp = psp(brand, id: pspID) {
                // The event as normalised when its signature was verified on arrival.
                (outcome, effects) = try await decide(try await storedEvent(inboxID, in: tx), psp: psp, in: tx)
            }
            try await tx.query("UPDATE psp_inbox SET processed_at = now(), process_result = \(outcome) WHERE id = \(inboxID)")
            // Money and audit last: the brand's shared rows (clearing account, audit chain) stay
            // locked only from here to the commit.
            try await effects?()
            return outcome
        }
    }

    /// The normalised event as stored at receipt (kind, reference, amount).
    func storedEvent(_ id: Int64, in tx: TenantTransaction) async throws -> PSPEvent {
        let row = try await tx.query("SELECT event_id, event_kind, reference, amount, currency, detail, payer_name FROM psp_inbox WHERE id = \(id)").collect().first
        guard let (eventID, kind, reference, amount, currency, detail, payer) = try row?.decode((String, String, String, Int64?, String?, String, String).self) else {
            throw PaymentError.notFound
        }
        return PSPEvent(eventID: eventID, kind: try tx.stored(kind, kind: "psp_event_kind", table: "psp_inbox", id: id, PSPEvent.Kind.init(rawValue:)), reference: reference, amount: amount,
                        currency: currency, detail: detail, payerName: payer)
    }

    typealias Effects = () async throws -> Void

    /// Decides what an event does to its payment (reading and locking only the payment row) and
    /// returns the outcome with the writes still to do.
    func decide(_ event: PSPEvent, psp: ResolvedPSP, in tx: TenantTransaction) async throws -> (String, Effects?) {
        guard event.kind != .ignored else { return ("ignored: event type not used", nil) }
        guard let p = try await PaymentQueries.byReference(event.reference, in: tx) else { return ("ignored: unknown reference \(event.reference)", nil) }
        guard p.pspID == psp.id else { return ("ignored: payment belongs to \(p.pspID)", nil) }
        // A card success in another currency is not ignored: it goes to Finance review (below).
        let settlesHere = event.kind == .succeeded && p.pspType != "crypto"
        if let currency = event.currency, currency != p.currency.code, !settlesHere {
            return ("ignored: currency \(currency) does not match \(p.currency.code)", nil)
        }
        let actor = "psp:\(psp.id)"
        var transition = PaymentStateMachine.transition(kind: p.kind, from: p.status, event: event.kind, failureReason: p.failureReason)
        let settlement = DepositSettlement.decide(pspType: p.pspType, requested: p.money, reportedAmount: event.amount, reportedCurrency: event.currency)
        if transition == .move(.succeeded), case .review = settlement { transition = .move(.review) }
        let reported = (amount: event.amount, currency: event.currency)
        switch transition {
        case .ignore(let why):
            return ("ignored: \(why)", {
                try await PaymentQueries.event(p.id, from: p.status.rawValue, to: p.status.rawValue, actor: actor, detail: "ignored \(event.detail): \(why)", in: tx)
            })
        case .move(let next):
            return ("\(p.status.rawValue) -> \(next.rawValue)", {
                let entry: AuditEntry
                switch next {
                case .succeeded:
                    guard case .credit(let amount) = settlement else { return }
                    let note = amount == p.amount ? event.detail : "\(event.detail); settled \(Money.format(amount, exponent: p.currency.exponent)) of \(p.money.amountText) requested"
                    entry = try await PaymentQueries.record(p, to: .succeeded, actor: actor, detail: note, settled: amount, reported: reported, in: tx)
                    // The payer the PSP reported, read later by the AML third-party-payer rule (never checked here).
                    if !event.payerName.isEmpty { _ = try await tx.query("UPDATE payments SET payer_name = \(event.payerName) WHERE id = \(p.id)").collect() }
                    try await self.credit(p, amount: amount, psp: psp, in: tx)
                case .review:
                    // Nothing is credited: the PSP's figure is kept for Finance and shown next to the request.
                    let said = DepositSettlement.text(amount: event.amount, currency: event.currency)
                    let note = "\(event.detail); PSP reported \(said) for \(p.money) requested: held for Finance review"
                    entry = try await PaymentQueries.record(p, to: .review, actor: actor, detail: note, reported: reported,
                                                            reviewReasons: [DepositSettlement.amountMismatch], in: tx)
                case .refunded, .chargedBack:
                    let amount = min(event.amount ?? p.settledAmount ?? p.amount, p.settledAmount ?? p.amount)
                    entry = try await PaymentQueries.record(p, to: next, actor: actor, detail: event.detail, in: tx)
                    try await self.clawBack(p, amount: amount, code: next == .refunded ? "refund" : "chargeback", in: tx)
                case .paid:
                    entry = try await PaymentQueries.record(p, to: .paid, actor: actor, detail: event.detail, in: tx)
                    try await self.settleWithdrawal(p, in: tx)
                case .failed where p.kind == .withdrawal:
                    entry = try await PaymentQueries.record(p, to: .failed, actor: actor, detail: event.detail, failureReason: "payout_failed", in: tx)
                    try await self.releaseHold(p, in: tx)
                default:
                    entry = try await PaymentQueries.record(p, to: next, actor: actor, detail: event.detail,
                                                            failureReason: next == .failed ? "declined" : nil, in: tx)
                }
                try await AuditLog.append(entry, in: tx)
            })
        }
    }

    /// Credits the client the full amount; the PSP's fee is the broker's expense, booked against
    /// the clearing account (the PSP settles the net amount).
    func credit(_ p: PaymentRecord, amount: Int64, psp: ResolvedPSP?, in tx: TenantTransaction) async throws {
        let clearing = try await Ledger.house(.pspClearing, p.pspID, currency: p.currency, in: tx)
        let wallet = try await Ledger.wallet(user: p.userID, currency: p.currency, in: tx)
        let fee = psp?.fee(on: amount) ?? 0
        let fees = fee > 0 ? try await Ledger.house(.fees, p.pspID, currency: p.currency, in: tx) : nil
        try await Ledger.transfer(id: Ledger.transferID("deposit", p.id.uuidString), debit: clearing, credit: wallet, amount: amount,
                                  code: "deposit", reference: p.reference, in: tx)
        if let fees {
            try await Ledger.transfer(id: Ledger.transferID("deposit-fee", p.id.uuidString), debit: fees, credit: clearing, amount: fee,
                                      code: "psp_fee", reference: p.reference, in: tx)
        }
    }

    /// Refunds and chargebacks take the money back from the wallet; what the wallet no longer
    /// holds is booked as a loss on the adjustments account, never as a negative wallet.
    func clawBack(_ p: PaymentRecord, amount: Int64, code: String, in tx: TenantTransaction) async throws {
        let clearing = try await Ledger.house(.pspClearing, p.pspID, currency: p.currency, in: tx)
        let wallet = try await Ledger.wallet(user: p.userID, currency: p.currency, in: tx)
        let fromWallet = min(amount, max(wallet.available, 0))
        if fromWallet > 0 {
            try await Ledger.transfer(id: Ledger.transferID(code, p.id.uuidString), debit: wallet, credit: clearing, amount: fromWallet,
                                      code: code, reference: p.reference, in: tx)
        }
        if amount > fromWallet {
            let losses = try await Ledger.house(.adjustments, "\(code)-losses", currency: p.currency, in: tx)
            try await Ledger.transfer(id: Ledger.transferID(code, "loss", p.id.uuidString), debit: losses, credit: clearing, amount: amount - fromWallet,
                                      code: code, reference: p.reference, in: tx)
        }
    }

    // MARK: bank wire

    /// Finance confirms that a wire arrived. Above the PSP's threshold a second, different person
    /// must confirm before the wallet is credited (maker–checker).
    public func confirmBankWire(tenant: TenantHandle, brand: TenantConfig, payment: UUID, staff: UUID, received: Int64?) async throws -> PaymentRecord {
        try await tenantDB.transaction(tenant) { tx in
            guard let p = try await PaymentQueries.one(id: payment, lock: true, in: tx), p.kind == .deposit, p.pspType == "bank_wire" else {
                throw PaymentError.notFound
            }
            guard p.status == .pending else { throw PaymentError.invalidState(p.status) }
            let amount = received ?? p.amount
            guard amount > 0 else { throw InputError(field: "amount", reason: "must be positive") }
            let added = try await tx.query("""
                INSERT INTO payment_approvals (payment_id, staff_id) VALUES (\(p.id), \(staff)) ON CONFLICT DO NOTHING RETURNING staff_id
                """).collect()
            guard !added.isEmpty else { throw PaymentError.sameApprover }
            let actor = "staff:\(staff.uuidString.lowercased())"
            let needed = (psp(brand, id: p.pspID)?.dualConfirmAboveMinor).map { amount > $0 ? 2 : 1 } ?? 1
            if p.approvals + 1 >= needed {
                try await credit(p, amount: amount, psp: psp(brand, id: p.pspID), in: tx)
                try await PaymentQueries.move(p, to: .succeeded, actor: actor, detail: "receipt confirmed (\(p.approvals + 1) of \(needed))",
                                              settled: amount, in: tx)
            } else {
                try await PaymentQueries.event(p.id, from: "pending", to: "pending", actor: actor,
                                               detail: "receipt confirmed (1 of \(needed)); a second person must confirm", in: tx)
                try await AuditLog.append(AuditEntry(actor: actor, action: "deposit.confirmation", subject: "payment:\(p.reference)",
                                                     after: try CanonicalJSON.object(["confirmations": 1, "required": needed])), in: tx)
            }
            guard let updated = try await PaymentQueries.one(id: p.id, in: tx) else { throw PaymentError.notFound }
            return updated
        }
    }

    // MARK: reading

    public func payment(tenant: TenantHandle, id: UUID, owner: UUID? = nil) async throws -> (PaymentRecord, [PaymentEventRecord])? {
        try await tenantDB.transaction(tenant) { tx in
            guard let p = try await PaymentQueries.one(id: id, in: tx), owner == nil || p.userID == owner else { return nil }
            var events: [PaymentEventRecord] = []
            for try await (at, from, to, actor, detail) in try await tx.query(
                "SELECT at, from_status, to_status, actor, detail FROM payment_events WHERE payment_id = \(id) ORDER BY id").decode((Date, String, String, String, String).self) {
                events.append(PaymentEventRecord(at: at, from: from, to: to, actor: actor, detail: detail))
            }
            return (p, events)
        }
    }

    public func history(tenant: TenantHandle, user: UUID, limit: Int = 50) async throws -> [PaymentRecord] {
        try await tenantDB.transaction(tenant) { tx in
            try await PaymentQueries.records("\(unescaped: PaymentQueries.select) WHERE p.user_id = \(user) ORDER BY p.created_at DESC LIMIT \(limit)", in: tx)
        }
    }

    /// A client's wallets and recent payments, read in one transaction.
    public func summary(tenant: TenantHandle, user: UUID, limit: Int = 50) async throws -> ([LedgerAccount], [PaymentRecord]) {
        try await tenantDB.transaction(tenant) { tx in
            (try await Ledger.wallets(owner: user, in: tx),
             try await PaymentQueries.records("\(unescaped: PaymentQueries.select) WHERE p.user_id = \(user) ORDER BY p.created_at DESC LIMIT \(limit)", in: tx))
        }
    }

    public func list(tenant: TenantHandle, kind: PaymentKind, statuses: [PaymentStatus]? = nil, limit: Int = 200) async throws -> [PaymentRecord] {
        try await tenantDB.transaction(tenant) { tx in
            // Without a status filter every row is read, so one with a status this build does not
            // know fails the list (CorruptValue) instead of being filtered out unseen.
            guard let statuses else {
                return try await PaymentQueries.records("""
                    \(unescaped: PaymentQueries.select) WHERE p.kind = \(kind.rawValue) ORDER BY p.created_at DESC LIMIT \(limit)
                    """, in: tx)
            }
            return try await PaymentQueries.records("""
                \(unescaped: PaymentQueries.select) WHERE p.kind = \(kind.rawValue) AND p.status = ANY(\(statuses.map(\.rawValue)))
                ORDER BY p.created_at DESC LIMIT \(limit)
                """, in: tx)
        }
    }
}

/// Job kinds and payloads of the payments context.
public enum PaymentJobs {
    public static let inbox = "psp.inbox"
    public static let expire = "payment.expire"
    public static let payout = "payment.payout"

    /// A `psp.inbox` job: the inbox row to process.
    struct InboxPayload: Codable, Equatable {
        let inbox: Int64
    }

    /// A `payment.expire` or `payment.payout` job: the payment it concerns.
    struct PaymentPayload: Codable, Equatable {
        let payment: UUID
    }

    static func payload(inbox id: Int64) throws -> String { try CanonicalJSON.text(InboxPayload(inbox: id)) }
    static func payload(payment id: UUID) throws -> String { try CanonicalJSON.text(PaymentPayload(payment: id)) }
}
