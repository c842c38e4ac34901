import AtriumCore
import AtriumLedger
import AtriumStorage
import AtriumBrandConfig
import Foundation
import PostgresNIO

/// One difference between the ledger and a platform, with its probable cause.
public struct ReconciliationDifference: Sendable, Equatable, Codable {
    public var connection: String
    public var login: String
    public var currency: String
    /// Net of balance operations on the platform minus net of posted ledger transfers (minor units).
    public var difference: Int64
    public var cause: String
    public var references: [String]
}

public struct ReconciliationReport: Sendable, Equatable {
    public var at: Date
    public var accounts: Int
    public var matched: Int
    public var differences: [ReconciliationDifference]
    /// Accounts that could not be checked (platform unavailable), with the reason.
    public var unchecked: [String]
}

extension Trading {
    /// Compares every live account's balance operations on the platform with the ledger's
    /// platform-clearing account for it, reference by reference, and stores the run.
    /// Trading profit and loss never enters the ledger, so only balance operations are compared.
    public func reconcile(tenant: TenantHandle, brand: TenantConfig) async throws -> ReconciliationReport {
        struct Row { let account: TradingAccountRecord; let ledgerNet: Int64; let transfers: [TradingTransfer] }
        // Three reads in one transaction, whatever the number of accounts; an account that never
        // moved money has no clearing account yet and counts as zero (reading creates nothing).
        let rows: [Row] = try await tenantDB.transaction(tenant) { tx in
            let accounts = try await TradingAccountRecord.all("\(unescaped: TradingAccountRecord.select) WHERE kind = 'live' ORDER BY created_at", in: tx)
            let transfers = Dictionary(grouping: try await TradingTransfer.all("""
                \(unescaped: TradingTransfer.select) WHERE account_id IN (SELECT id FROM trading_accounts WHERE kind = 'live')
                """, in: tx), by: \.accountID)
            let balances = Dictionary(try await Ledger.houseAccounts(in: tx).filter { $0.kind == .platformClearing }.map { ($0.code, $0.balance) },
                                      uniquingKeysWith: { first, _ in first })
            return accounts.map { a in
                Row(account: a, ledgerNet: balances[Self.clearingCode(a)] ?? 0, transfers: transfers[a.id] ?? [])
            }
        }
        var differences: [ReconciliationDifference] = []
        var unchecked: [String] = []
        var matched = 0
        for row in rows {
            let a = row.account
            let ops: [BalanceOperation]
            do {
                ops = try await directory.platform(brand, connection: a.connectionID)
                    .balanceOperations(login: a.login, since: a.createdAt.addingTimeInterval(-86_400), currency: a.currency)
            } catch {
                unchecked.append("\(a.connectionID):\(a.login): \(error)")
                continue
            }
            let byRef = Dictionary(row.transfers.map { ($0.reference, $0) }, uniquingKeysWith: { first, _ in first })
            let platformNet = ops.reduce(Int64(0)) { $0 + $1.amount }
            var found: [String] = []
            func add(_ diff: Int64, _ cause: String, _ refs: [String]) {
                found.append(cause)
                differences.append(ReconciliationDifference(connection: a.connectionID, login: a.login, currency: a.currency.code, difference: diff, cause: cause, references: refs))
            }
            let seen = Set(ops.map(\.reference))
            for op in ops {
                guard let t = byRef[op.reference] else {
                    add(op.amount, "balance operation made on the platform directly, not through Atrium", [op.reference.isEmpty ? "ticket \(op.ticket)" : op.reference])
                    continue
                }
                let signed = t.direction == .toAccount ? t.amount : -t.amount
                switch t.state {
                case .posted where signed != op.amount:
                    add(op.amount - signed, "amount on the platform differs from the ledger", [t.reference])
                case .pending, .unknown:
                    add(op.amount, "in flight: applied on the platform, the ledger hold is not posted yet (the recovery job will post it)", [t.reference])
                case .voided:
                    add(op.amount, "applied on the platform after the ledger voided it (a late apply): move it back or post a correction", [t.reference])
                default:
                    break
                }
            }
            for t in row.transfers where t.state == .posted && !seen.contains(t.reference) {
                add(-(t.direction == .toAccount ? t.amount : -t.amount), "posted in the ledger but missing on the platform", [t.reference])
            }
            if found.isEmpty && platformNet != row.ledgerNet {
                add(platformNet - row.ledgerNet, "net balance operations differ from the ledger without a matching reference", [])
            }
            if found.isEmpty && platformNet == row.ledgerNet { matched += 1 }
        }
        let report = ReconciliationReport(at: Date(), accounts: rows.count, matched: matched, differences: differences, unchecked: unchecked)
        let json = try CanonicalJSON.text(differences)
        try await tenantDB.transaction(tenant) { tx in
            try await tx.query("INSERT INTO trading_reconciliations (accounts, matched, differences) VALUES (\(report.accounts), \(report.matched), \(json)::jsonb)")
        }
        return report
    }

    /// The newest stored reconciliation run, for the Back Office.
    public func lastReconciliation(tenant: TenantHandle) async throws -> ReconciliationReport? {
        try await tenantDB.transaction(tenant) { tx in
            guard let row = try await tx.query("SELECT at, accounts, matched, differences::text FROM trading_reconciliations ORDER BY id DESC LIMIT 1").collect().first else { return nil }
            let (at, accounts, matched, json) = try row.decode((Date, Int, Int, String).self)
            // A stored report that does not decode is an error, not an empty list of differences.
            let diffs = try CanonicalJSON.decode([ReconciliationDifference].self, from: json)
            return ReconciliationReport(at: at, accounts: accounts, matched: matched, differences: diffs, unchecked: [])
        }
    }
}
