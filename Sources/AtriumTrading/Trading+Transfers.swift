import AtriumCompliance
import AtriumCore
import AtriumLedger
import AtriumStorage
import AtriumBrandConfig
import Foundation
import Logging
import PostgresNIO

/// A transfer whose platform call may still be running; the recovery job tries again later.
public struct TransferInFlight: Error, CustomStringConvertible {
    public let reference: String
    public var description: String { "transfer \(reference) may still be in flight; recovery will ask again later" }
}

/// The transfer saga between a client's wallet and their trading account:
/// 1. one tenant transaction writes the saga row, a ledger **pending** transfer and a recovery
///    job (delayed), so a crash at any later point is picked up;
/// 2. the platform balance operation, with the saga's reference;
/// 3. post the pending transfer on success, void it on a definite failure, or leave the row
///    `unknown` on an ambiguous one (timeout) for the recovery job, which asks the platform
///    whether the reference was applied and then posts or voids.
extension Trading {
    /// The platform reference of a transfer: 31 characters (MT5 comments hold 32).
    public static func reference(_ id: UUID) -> String {
        "AT" + String(id.uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(29))
    }

    static func clearing(_ account: TradingAccountRecord, in tx: TenantTransaction) async throws -> LedgerAccount {
        try await Ledger.house(.platformClearing, clearingQualifier(account), currency: account.currency, in: tx)
    }

    static func clearingQualifier(_ account: TradingAccountRecord) -> String { "\(account.connectionID):\(account.login)" }

    static func clearingCode(_ account: TradingAccountRecord) -> String {
        Ledger.houseCode(.platformClearing, clearingQualifier(account), currency: account.currency)
    }

    public func transfer(tenant: TenantHandle, brand: TenantConfig, client: TradingClient, accountID: UUID, direction: TransferDirection,
                         amount: Int64, idempotencyKey: String) async throws -> TradingTransfer {
        let id = Ledger.transferID("trading-transfer", client.id.uuidString, idempotencyKey)
        // The account as it is now (access may just have changed) and a repeated form's transfer, in one read.
        let (found, existing) = try await tenantDB.transaction(tenant) { tx in
            (try await TradingAccountRecord.all("\(unescaped: TradingAccountRecord.select) WHERE id = \(accountID) AND user_id = \(client.id)", in: tx).first,
             try await TradingTransfer.all("\(unescaped: TradingTransfer.select) WHERE id = \(id)", in: tx).first)
        }
        guard let account = found else { throw TradingError.notFound }
        if let existing { return existing }
        guard account.isLive else { throw TradingError.demoAccount }
        guard account.access != .disabled else { throw TradingError.accountNotActive }
        guard amount > 0 else { throw InputError(field: "amount", reason: "must be more than zero") }
        let platform = try directory.platform(brand, connection: account.connectionID)

        if direction == .toWallet {
            // Free margin first: the platform would refuse anyway, but the client gets a clear reason.
            let state: AccountState
            do {
                state = try await platform.state(login: account.login, currency: account.currency)
            } catch let error as PlatformError {
                throw TradingError.from(error)
            }
            guard state.freeMargin >= amount else { throw TradingError.insufficientFreeMargin(available: max(0, state.freeMargin)) }
        }
        let reference = Self.reference(id)
        let created: Bool = try await tenantDB.transaction(tenant) { tx in
            try await AccountFreezes.ensureNotFrozen(client.id, in: tx)
            let inserted = try await tx.query("""
                INSERT INTO trading_transfers (id, user_id, account_id, direction, currency, amount, state, reference, idempotency_key)
                VALUES (\(id), \(client.id), \(account.id), \(direction.rawValue), \(account.currency.code), \(amount), 'pending', \(reference), \(idempotencyKey))
                ON CONFLICT DO NOTHING RETURNING id
                """).collect()
            guard !inserted.isEmpty else { return false }
            let wallet = try await Ledger.wallet(user: client.id, currency: account.currency, in: tx)
            let clearing = try await Self.clearing(account, in: tx)
            do {
                if direction == .toAccount {
                    try await Ledger.transfer(id: id, kind: .pending, debit: wallet, credit: clearing, amount: amount, code: "trading_in", reference: reference, in: tx)
                } else {
                    try await Ledger.transfer(id: id, kind: .pending, debit: clearing, credit: wallet, amount: amount, code: "trading_out", reference: reference, in: tx)
                }
            } catch LedgerError.insufficientFunds {
                throw TradingError.insufficientFunds
            }
            tx.enqueue(JobRequest(kind: TradingJobs.transfer, payload: try TradingJobs.payload(transfer: id), delaySeconds: recoveryDelaySeconds))
            try await AuditLog.append(AuditEntry(actor: client.actor, action: "trading.transfer_requested", subject: "trading_transfer:\(reference)",
                                                 after: try CanonicalJSON.object(["direction": direction.rawValue, "amount": amount, "currency": account.currency.code,
                                                                                 "login": account.login])), in: tx)
            return true
        }
        if !created, let existing = try await transferRecord(tenant: tenant, id: id) { return existing }
        crash(at: "trading-after-hold")
        return try await drive(tenant: tenant, platform: platform, account: account, transferID: id, direction: direction, amount: amount, reference: reference)
    }

    /// Step 2 and 3: the platform call and the ledger outcome.
    func drive(tenant: TenantHandle, platform: any TradingPlatform, account: TradingAccountRecord, transferID: UUID,
               direction: TransferDirection, amount: Int64, reference: String) async throws -> TradingTransfer {
        do {
            let receipt = try await platform.balance(login: account.login, amount: direction == .toAccount ? amount : -amount,
                                                     currency: account.currency, reference: reference)
            crash(at: "trading-after-platform")
            return try await finish(tenant: tenant, transferID: transferID, post: true, ticket: receipt.ticket, note: receipt.alreadyApplied ? "already applied" : "")
        } catch let error as PlatformError where error.isAmbiguous || error.kind == "malformed" {
            logger.warning("transfer outcome unknown; recovery job will ask the platform", metadata: ["reference": "\(reference)", "error": "\(error)"])
            try await tenantDB.transaction(tenant) { tx in
                try await tx.query("""
                    UPDATE trading_transfers SET state = 'unknown', attempts = attempts + 1, last_error = \(error.description), updated_at = now()
                    WHERE id = \(transferID) AND state IN ('pending', 'unknown')
                    """)
            }
            return try await transferRecord(tenant: tenant, id: transferID) ?? { throw TradingError.invalidState }()
        } catch let error as PlatformError {
            _ = try await finish(tenant: tenant, transferID: transferID, post: false, ticket: nil, note: error.description)
            throw TradingError.from(error)
        }
    }

    /// Posts or voids the hold, exactly once: a transfer already resolved is left as it is.
    @discardableResult
    func finish(tenant: TenantHandle, transferID: UUID, post: Bool, ticket: String?, note: String) async throws -> TradingTransfer {
        try await tenantDB.transaction(tenant) { tx in
            guard let t = try await TradingTransfer.all("\(unescaped: TradingTransfer.select) WHERE id = \(transferID) FOR UPDATE", in: tx).first else {
                throw TradingError.notFound
            }
            guard t.state == .pending || t.state == .unknown else { return t }
            let state: TransferState = post ? .posted : .voided
            if post {
                try await Ledger.post(pending: t.id, id: Ledger.transferID("trading-post", t.id.uuidString), code: t.direction == .toAccount ? "trading_in" : "trading_out", in: tx)
            } else {
                try await Ledger.void(pending: t.id, id: Ledger.transferID("trading-void", t.id.uuidString), code: t.direction == .toAccount ? "trading_in" : "trading_out", in: tx)
            }
            let updated = try await TradingTransfer.all("""
                UPDATE trading_transfers SET state = \(state.rawValue), platform_ticket = \(ticket), last_error = \(note), attempts = attempts + 1, updated_at = now()
                WHERE id = \(transferID) RETURNING \(unescaped: TradingTransfer.columns)
                """, in: tx)
            try await AuditLog.append(AuditEntry(actor: "system", action: post ? "trading.transfer_posted" : "trading.transfer_voided",
                                                 subject: "trading_transfer:\(t.reference)", before: try CanonicalJSON.object(["state": t.state.rawValue]),
                                                 after: try CanonicalJSON.object(["state": state.rawValue, "ticket": ticket ?? ""])), in: tx)
            if post {
                try await WebhookEvents.record(.transferSettled, ["transfer_id": .id(t.id), "trading_account_id": .id(t.accountID), "client_id": .id(t.userID),
                                                                  "direction": .string(t.direction.rawValue), "amount": .money(minor: t.amount, currency: t.currency.code),
                                                                  "reference": .string(t.reference), "platform_ticket": .text(ticket)], in: tx)
            }
            return updated.first ?? t
        }
    }

    public func transferRecord(tenant: TenantHandle, id: UUID) async throws -> TradingTransfer? {
        try await tenantDB.transaction(tenant) { tx in
            try await TradingTransfer.all("\(unescaped: TradingTransfer.select) WHERE id = \(id)", in: tx).first
        }
    }

    public func transfers(tenant: TenantHandle, account: UUID, limit: Int = 50) async throws -> [TradingTransfer] {
        try await tenantDB.transaction(tenant) { tx in try await Self.transfers(account: account, limit: limit, in: tx) }
    }

    static func transfers(account: UUID, limit: Int, in tx: TenantTransaction) async throws -> [TradingTransfer] {
        try await TradingTransfer.all("\(unescaped: TradingTransfer.select) WHERE account_id = \(account) ORDER BY created_at DESC LIMIT \(limit)", in: tx)
    }

    /// The recovery step: a transfer still open is settled by what the platform says about its
    /// reference. Throws (so the job is retried later) while the platform cannot be asked.
    @discardableResult
    public func recover(tenant: TenantHandle, brand: TenantConfig, transferID: UUID) async throws -> TradingTransfer? {
        guard let t = try await transferRecord(tenant: tenant, id: transferID) else { return nil }
        guard t.state == .pending || t.state == .unknown else { return t }
        // A `pending` transfer younger than one platform timeout may still have its platform call in
        // flight in some process; asking now could void what is about to be applied.
        let inFlightFor = TimeInterval(directory.timeoutSeconds + 5)
        if t.state == .pending && Date().timeIntervalSince(t.createdAt) < inFlightFor {
            throw TransferInFlight(reference: t.reference)
        }
        let account = try await account(tenant: tenant, id: t.accountID)
        let platform = try directory.platform(brand, connection: account.connectionID)
        let ticket = try await platform.findBalance(login: account.login, reference: t.reference, since: t.createdAt.addingTimeInterval(-86_400))
        logger.info("transfer recovered", metadata: ["reference": "\(t.reference)", "applied": "\(ticket != nil)"])
        return try await finish(tenant: tenant, transferID: transferID, post: ticket != nil, ticket: ticket,
                                note: ticket != nil ? "recovered: applied on the platform" : "recovered: not applied on the platform")
    }

    /// Transfers left open longer than the recovery delay, for the sweep and the Back Office.
    public func openTransfers(tenant: TenantHandle, olderThan seconds: Int) async throws -> [TradingTransfer] {
        try await tenantDB.transaction(tenant) { tx in
            try await TradingTransfer.all("""
                \(unescaped: TradingTransfer.select) WHERE state IN ('pending', 'unknown') AND updated_at < now() - make_interval(secs => \(seconds))
                ORDER BY created_at
                """, in: tx)
        }
    }
}
