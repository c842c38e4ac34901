import AtriumCore
import AtriumStorage
import Crypto
import Foundation
import PostgresNIO

/// What a ledger account is for. Wallets belong to a client; the rest are house accounts.
public enum AccountKind: String, Sendable, CaseIterable {
    case wallet
    case pspClearing = "psp_clearing"
    case withdrawalsPending = "withdrawals_pending"
    case fees
    case platformClearing = "platform_clearing"
    case ibPayable = "ib_payable"
    case fx
    case adjustments
    /// The broker's cost of IB commissions (debited when a settlement credits an IB wallet).
    case commissionExpense = "commission_expense"

    /// Client money is a liability of the broker: it may never be overdrawn.
    var noOverdraft: Bool { self == .wallet }
}

public struct LedgerAccount: Sendable, Equatable {
    public let id: Int64
    public let code: String
    public let kind: AccountKind
    public let currency: Currency
    public let ownerID: UUID?
    public let debitsPosted: Int64
    public let creditsPosted: Int64
    public let debitsPending: Int64
    public let creditsPending: Int64

    /// Credit-normal balance (what the broker owes the client on a wallet).
    public var balance: Int64 { creditsPosted - debitsPosted }
    /// Posted balance minus pending debits (holds for withdrawals and transfers out).
    public var available: Int64 { creditsPosted - debitsPosted - debitsPending }
}

public enum TransferKind: String, Sendable {
    case posted
    case pending
    case postPending = "post_pending"
    case voidPending = "void_pending"
}

public struct TransferRecord: Sendable, Equatable {
    public let id: UUID
    public let seq: Int64
    public let kind: TransferKind
    public let debitAccountID: Int64
    public let creditAccountID: Int64
    public let amount: Int64
    public let currency: String
    public let pendingID: UUID?
    public let code: String
    public let reference: String
    public let createdAt: Date
}

public enum TransferOutcome: String, Sendable {
    /// Applied now.
    case created
    /// The same id with the same body was applied before; nothing changed.
    case exists
}

/// Ledger failures. Each maps from the SQLSTATE raised by `ledger_transfer()`.
public enum LedgerError: Error, Equatable, UserFacingError, CustomStringConvertible {
    case insufficientFunds
    case idempotencyConflict
    case currencyMismatch
    case pendingNotFound
    case accountNotFound
    case alreadyResolved
    case invalidAmount
    case notPending
    case immutable

    static func from(_ error: any Error) -> (any Error) {
        switch error.sqlState {
        case "AL001": LedgerError.insufficientFunds
        case "AL002": LedgerError.idempotencyConflict
        case "AL003": LedgerError.currencyMismatch
        case "AL004": LedgerError.pendingNotFound
        case "AL005": LedgerError.accountNotFound
        case "AL006": LedgerError.alreadyResolved
        case "AL007": LedgerError.invalidAmount
        case "AL008": LedgerError.notPending
        case "AL009": LedgerError.immutable
        default: error
        }
    }

    public var status: Int {
        switch self {
        case .idempotencyConflict, .alreadyResolved: 409
        default: 422
        }
    }

    public var publicMessage: String {
        switch self {
        case .insufficientFunds: "error_insufficient_funds"
        case .idempotencyConflict: "error_idempotency_conflict"
        case .currencyMismatch: "error_currency_mismatch"
        case .invalidAmount: "error_invalid_amount"
        default: "error_ledger"
        }
    }

    public var description: String {
        switch self {
        case .insufficientFunds: "ledger: insufficient funds"
        case .idempotencyConflict: "ledger: the transfer id was already used with a different body"
        case .currencyMismatch: "ledger: currency does not match the accounts"
        case .pendingNotFound: "ledger: transfer not found"
        case .accountNotFound: "ledger: account not found"
        case .alreadyResolved: "ledger: the pending transfer was already posted or voided"
        case .invalidAmount: "ledger: the amount must be a positive integer of minor units"
        case .notPending: "ledger: the transfer is not pending"
        case .immutable: "ledger: transfers are immutable"
        }
    }
}

/// The tenant's double-entry ledger. Every call runs inside a `TenantTransaction`, so the ledger
/// change commits or rolls back together with the business change that caused it.
public enum Ledger {
    /// A deterministic transfer id from business facts (e.g. `["deposit", paymentID]`), so a retried
    /// step reuses the same idempotency key.
    public static func transferID(_ parts: String...) -> UUID {
        let digest = Array(SHA256.hash(data: Data(parts.joined(separator: "\u{1f}").utf8)))
        var b = Array(digest.prefix(16))
        b[6] = (b[6] & 0x0f) | 0x80   // version 8 (custom)
        b[8] = (b[8] & 0x3f) | 0x80   // RFC 4122 variant
        return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }

    public static func walletCode(user: UUID, currency: Currency) -> String {
        "wallet:\(user.uuidString.lowercased()):\(currency.code)"
    }

    public static func houseCode(_ kind: AccountKind, _ qualifier: String, currency: Currency) -> String {
        "\(kind.rawValue):\(qualifier):\(currency.code)"
    }

    /// Returns the account with this code, creating it on first use.
    @discardableResult
    public static func account(code: String, kind: AccountKind, currency: Currency, owner: UUID? = nil,
                               in tx: TenantTransaction) async throws -> LedgerAccount {
        try await tx.query("""
            INSERT INTO ledger_accounts (code, kind, currency, owner_id, no_overdraft)
            VALUES (\(code), \(kind.rawValue), \(currency.code), \(owner), \(kind.noOverdraft))
            ON CONFLICT (code) DO NOTHING
            """)
        guard let found = try await account(code: code, in: tx) else { throw LedgerError.accountNotFound }
        return found
    }

    public static func wallet(user: UUID, currency: Currency, in tx: TenantTransaction) async throws -> LedgerAccount {
        try await account(code: walletCode(user: user, currency: currency), kind: .wallet, currency: currency, owner: user, in: tx)
    }

    public static func house(_ kind: AccountKind, _ qualifier: String, currency: Currency, in tx: TenantTransaction) async throws -> LedgerAccount {
        try await account(code: houseCode(kind, qualifier, currency: currency), kind: kind, currency: currency, in: tx)
    }

    static let accountColumns = "id, code, kind, currency, owner_id, debits_posted, credits_posted, debits_pending, credits_pending"

    public static func account(code: String, in tx: TenantTransaction) async throws -> LedgerAccount? {
        try await accounts("SELECT \(unescaped: accountColumns) FROM ledger_accounts WHERE code = \(code)", in: tx).first
    }

    public static func account(id: Int64, in tx: TenantTransaction) async throws -> LedgerAccount? {
        try await accounts("SELECT \(unescaped: accountColumns) FROM ledger_accounts WHERE id = \(id)", in: tx).first
    }

    /// A client's wallets, one per currency, in currency order.
    public static func wallets(owner: UUID, in tx: TenantTransaction) async throws -> [LedgerAccount] {
        try await accounts("SELECT \(unescaped: accountColumns) FROM ledger_accounts WHERE owner_id = \(owner) AND kind = 'wallet' ORDER BY currency", in: tx)
    }

    /// House accounts (everything without an owner), for the Back Office.
    public static func houseAccounts(in tx: TenantTransaction) async throws -> [LedgerAccount] {
        try await accounts("SELECT \(unescaped: accountColumns) FROM ledger_accounts WHERE owner_id IS NULL ORDER BY code", in: tx)
    }

    static func accounts(_ query: PostgresQuery, in tx: TenantTransaction) async throws -> [LedgerAccount] {
        var out: [LedgerAccount] = []
        for try await (id, code, kind, currency, owner, dp, cp, dpe, cpe) in try await tx.query(query)
            .decode((Int64, String, String, String, UUID?, Int64, Int64, Int64, Int64).self) {
            let k = try tx.stored(kind, kind: "ledger_account_kind", table: "ledger_accounts", id: id, AccountKind.init(rawValue:))
            let cur = try tx.stored(currency, kind: "currency", table: "ledger_accounts", id: id, Currency.init)
            out.append(LedgerAccount(id: id, code: code, kind: k, currency: cur, ownerID: owner, debitsPosted: dp,
                                     creditsPosted: cp, debitsPending: dpe, creditsPending: cpe))
        }
        return out
    }

    /// Applies a transfer from `debit` to `credit`. Same id + same body returns `.exists`.
    @discardableResult
    public static func transfer(id: UUID, kind: TransferKind = .posted, debit: LedgerAccount, credit: LedgerAccount, amount: Int64,
                                code: String, reference: String = "", rate: ExchangeRate? = nil,
                                in tx: TenantTransaction) async throws -> TransferOutcome {
        guard amount > 0 else { throw LedgerError.invalidAmount }
        guard debit.currency == credit.currency else { throw LedgerError.currencyMismatch }
        return try await apply(id: id, kind: kind, debit: debit.id, credit: credit.id, amount: amount, currency: debit.currency.code,
                               pending: nil, code: code, reference: reference, rate: rate?.description, in: tx)
    }

    /// Posts a pending transfer (the whole amount, or less). Exactly once per pending transfer.
    @discardableResult
    public static func post(pending: UUID, id: UUID, amount: Int64? = nil, code: String, in tx: TenantTransaction) async throws -> TransferOutcome {
        try await apply(id: id, kind: .postPending, debit: nil, credit: nil, amount: amount, currency: nil, pending: pending,
                        code: code, reference: pending.uuidString.lowercased(), rate: nil, in: tx)
    }

    /// Voids a pending transfer; its amount is released. Exactly once per pending transfer.
    @discardableResult
    public static func void(pending: UUID, id: UUID, code: String, in tx: TenantTransaction) async throws -> TransferOutcome {
        try await apply(id: id, kind: .voidPending, debit: nil, credit: nil, amount: nil, currency: nil, pending: pending,
                        code: code, reference: pending.uuidString.lowercased(), rate: nil, in: tx)
    }

    /// Corrects a posted transfer with a reversing entry (the original is never changed).
    @discardableResult
    public static func reverse(_ original: UUID, id: UUID, in tx: TenantTransaction) async throws -> TransferOutcome {
        guard let t = try await transfers("SELECT \(unescaped: transferColumns) FROM ledger_transfers WHERE id = \(original)", in: tx).first else {
            throw LedgerError.pendingNotFound
        }
        guard t.kind == .posted || t.kind == .postPending else { throw LedgerError.notPending }
        return try await apply(id: id, kind: .posted, debit: t.creditAccountID, credit: t.debitAccountID, amount: t.amount, currency: t.currency,
                               pending: nil, code: "reversal", reference: original.uuidString.lowercased(), rate: nil, in: tx)
    }

    /// Converts between currencies as an explicit pair of entries through the FX accounts, at a
    /// recorded rate: `from` → fx(from currency), then fx(to currency) → `to`. Returns the credited amount.
    public static func convert(id: UUID, from: LedgerAccount, to: LedgerAccount, amount: Int64, rate: ExchangeRate,
                               in tx: TenantTransaction) async throws -> Int64 {
        let converted = try rate.convert(amount, from: from.currency, to: to.currency)
        guard converted > 0 else { throw LedgerError.invalidAmount }
        let fxFrom = try await house(.fx, "conversion", currency: from.currency, in: tx)
        let fxTo = try await house(.fx, "conversion", currency: to.currency, in: tx)
        let reference = id.uuidString.lowercased()
        try await apply(id: transferID("fx-out", reference), kind: .posted, debit: from.id, credit: fxFrom.id, amount: amount,
                        currency: from.currency.code, pending: nil, code: "fx", reference: reference, rate: rate.description, in: tx)
        try await apply(id: transferID("fx-in", reference), kind: .posted, debit: fxTo.id, credit: to.id, amount: converted,
                        currency: to.currency.code, pending: nil, code: "fx", reference: reference, rate: rate.description, in: tx)
        return converted
    }

    @discardableResult
    static func apply(id: UUID, kind: TransferKind, debit: Int64?, credit: Int64?, amount: Int64?, currency: String?, pending: UUID?,
                      code: String, reference: String, rate: String?, in tx: TenantTransaction) async throws -> TransferOutcome {
        do {
            let rows = try await tx.execute(LedgerTransferStatement(id: id, kind: kind.rawValue, debit: debit, credit: credit, amount: amount,
                                                                    currency: currency, pending: pending, code: code, reference: reference, rate: rate))
            for try await outcome in rows {
                return try tx.stored(outcome, kind: "ledger_outcome", table: "ledger_transfer()", id: id, TransferOutcome.init(rawValue:))
            }
            return .created
        } catch {
            throw LedgerError.from(error)
        }
    }

    static let transferColumns = "id, seq, kind, debit_account_id, credit_account_id, amount, currency, pending_id, code, reference, created_at"

    static func transfers(_ query: PostgresQuery, in tx: TenantTransaction) async throws -> [TransferRecord] {
        var out: [TransferRecord] = []
        for try await (id, seq, kind, d, c, amount, currency, pending, code, reference, at) in try await tx.query(query)
            .decode((UUID, Int64, String, Int64, Int64, Int64, String, UUID?, String, String, Date).self) {
            out.append(TransferRecord(id: id, seq: seq, kind: try tx.stored(kind, kind: "ledger_transfer_kind", table: "ledger_transfers", id: id, TransferKind.init(rawValue:)),
                                      debitAccountID: d, creditAccountID: c,
                                      amount: amount, currency: currency, pendingID: pending, code: code, reference: reference, createdAt: at))
        }
        return out
    }

    /// The newest entries touching an account, newest first.
    public static func entries(account: Int64, limit: Int = 100, in tx: TenantTransaction) async throws -> [TransferRecord] {
        try await transfers("""
            SELECT \(unescaped: transferColumns) FROM ledger_transfers WHERE debit_account_id = \(account) OR credit_account_id = \(account)
            ORDER BY seq DESC LIMIT \(limit)
            """, in: tx)
    }

    public static func transfer(id: UUID, in tx: TenantTransaction) async throws -> TransferRecord? {
        try await transfers("SELECT \(unescaped: transferColumns) FROM ledger_transfers WHERE id = \(id)", in: tx).first
    }

    /// Broken invariants, one sentence each; empty when every currency sums to zero and the stored
    /// balances equal the entries.
    public static func verify(in tx: TenantTransaction) async throws -> [String] {
        var problems: [String] = []
        for try await p in try await tx.query("SELECT ledger_verify()").decode(String.self) { problems.append(p) }
        return problems
    }
}
