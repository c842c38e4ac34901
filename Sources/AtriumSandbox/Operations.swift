import AtriumMT5
import Crypto
import Foundation

/// Why an account operation was refused; each dialect maps it to its own answer.
enum OperationError: Error, Equatable {
    case invalidParameters(String)
    case notFound
    case notEnoughMoney
    case accountDisabled
    case invalidLeverage
    /// The journal could not be written; nothing was applied.
    case persistence(String)
}

/// The outcome of a balance operation.
struct BalanceOutcome {
    /// The deal that carries the operation (the first one when it had been applied before).
    var deal: Deal
    var alreadyApplied: Bool
}

/// Leverages an account may have.
let leverageRange = 1...3_000

extension SandboxPlatform {
    /// Journals the transaction's changes, then applies them. Nothing changes when the journal
    /// cannot be written.
    func commit(_ transaction: Transaction) throws(OperationError) {
        let mutation = transaction.mutation
        guard !mutation.isEmpty else { return }
        if let journal {
            do {
                try journal.append(mutation)
            } catch {
                throw .persistence(String(describing: error))
            }
        }
        store.apply(mutation)
    }

    /// Creates an account in a group.
    func createAccount(
        group: SandboxGroup,
        name: String,
        email: String,
        leverage: Int,
        rights: UInt64?,
        password: String,
        personUUID: String?,
        matchTrader: Bool,
        newGroup: Bool,
        now: Int64
    ) throws(OperationError) -> Account {
        guard leverageRange.contains(leverage) else { throw .invalidLeverage }
        var transaction = Transaction(store: store)
        if newGroup { transaction.add(group) }
        let login = transaction.nextLogin(matchTrader: matchTrader, in: store)
        let account = Account(
            login: login,
            group: group.name,
            currency: group.currency,
            name: name,
            email: email,
            leverage: leverage,
            rights: rights ?? Rights.defaultRights,
            balance: 0,
            credit: 0,
            registration: now,
            personUUID: personUUID,
            passwordSHA256: Hex.encode(SHA256.hash(data: Array(password.utf8)))
        )
        transaction.save(account)
        try commit(transaction)
        return account
    }

    /// Changes leverage, rights, name or email of an account.
    func updateAccount(
        login: Int64,
        leverage: Int?,
        rights: UInt64?,
        name: String? = nil,
        email: String? = nil
    ) throws(OperationError) -> Account {
        guard var account = store.accounts[login] else { throw .notFound }
        if let leverage {
            guard leverageRange.contains(leverage) else { throw .invalidLeverage }
            account.leverage = leverage
        }
        if let rights { account.rights = rights }
        if let name { account.name = name }
        if let email { account.email = email }
        var transaction = Transaction(store: store)
        transaction.save(account)
        try commit(transaction)
        return account
    }

    /// A balance operation (deposit when positive, withdrawal when negative), idempotent per
    /// login + reference: the same reference again answers the first deal and applies nothing.
    func applyBalance(login: Int64, amount: Int64, reference: String, now: Int64) throws(OperationError) -> BalanceOutcome {
        guard var account = store.accounts[login] else { throw .notFound }
        if !reference.isEmpty, let deal = store.balanceDeal(login: login, reference: reference) {
            return BalanceOutcome(deal: deal, alreadyApplied: true)
        }
        guard account.isEnabled else { throw .accountDisabled }
        guard amount != 0 else { throw .invalidParameters("amount must not be zero") }
        if amount < 0, store.figures(account, prices: prices).freeMargin < -amount {
            throw .notEnoughMoney
        }
        let (newBalance, overflow) = account.balance.addingReportingOverflow(amount)
        guard !overflow, newBalance.magnitude < 1_000_000_000_000_000 else {
            throw .invalidParameters("the balance would be out of range")
        }
        var transaction = Transaction(store: store)
        let deal = Deal(
            ticket: transaction.nextTicket(), login: login, time: now, action: DealAction.balance, entry: 0,
            symbol: "", volume: 0, price: 0, pricePosition: 0, profit: amount, commission: 0, storage: 0,
            comment: reference, positionID: 0
        )
        transaction.add(deal)
        account.balance = newBalance
        transaction.save(account)
        try commit(transaction)
        return BalanceOutcome(deal: deal, alreadyApplied: false)
    }
}
