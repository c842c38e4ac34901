import AtriumCore
import AtriumLedger
import AtriumStorage
@testable import AtriumTrading
import Foundation
import Testing

/// A platform that answers like the sandbox but names every balance operation with a ticket full
/// of JSON metacharacters, as a platform may in a comment or ticket field.
struct QuotingPlatform: TradingPlatform {
    let inner: any TradingPlatform
    let ticket: String
    var connectionID: String { inner.connectionID }
    func ping() async throws { try await inner.ping() }
    func createAccount(_ account: NewPlatformAccount) async throws -> String { try await inner.createAccount(account) }
    func accounts(email: String, group: String) async throws -> [(login: String, created: Date?)] { try await inner.accounts(email: email, group: group) }
    func account(login: String) async throws -> PlatformAccountInfo { try await inner.account(login: login) }
    func setLeverage(login: String, leverage: Int) async throws { try await inner.setLeverage(login: login, leverage: leverage) }
    func setAccess(login: String, access: AccessLevel) async throws { try await inner.setAccess(login: login, access: access) }
    func balance(login: String, amount: Int64, currency: Currency, reference: String) async throws -> BalanceReceipt {
        _ = try await inner.balance(login: login, amount: amount, currency: currency, reference: reference)
        return BalanceReceipt(ticket: ticket, alreadyApplied: false)
    }
    func findBalance(login: String, reference: String, since: Date) async throws -> String? { try await inner.findBalance(login: login, reference: reference, since: since) }
    func balanceOperations(login: String, since: Date, currency: Currency) async throws -> [BalanceOperation] {
        try await inner.balanceOperations(login: login, since: since, currency: currency)
    }
    func state(login: String, currency: Currency) async throws -> AccountState { try await inner.state(login: login, currency: currency) }
    func deals(groups: [String], after cursor: DealCursor, limit: Int, currencyOf: @Sendable (String) -> Currency?) async throws -> DealPage {
        try await inner.deals(groups: groups, after: cursor, limit: limit, currencyOf: currencyOf)
    }
    func positions(login: String, currency: Currency) async throws -> [OpenPosition] { try await inner.positions(login: login, currency: currency) }
}

@Suite("Platform text in audit rows", .timeLimit(.minutes(3)))
struct PlatformTextTests {
    @Test("a platform ticket with \" and \\ is posted, stored verbatim in the audit row, and the chain verifies")
    func quotedTicket() async throws {
        try await TradeFixture.with("trquote") { f in
            // setup
            let opened = try await f.open()
            let ticket = #"7"1\2 "},"state":"voided"#
            let platform = QuotingPlatform(inner: try f.platform(), ticket: ticket)
            let id = UUID()
            let reference = Trading.reference(id)
            try await f.s.tenantDB.transaction(f.handle) { tx in
                try await tx.query("""
                    INSERT INTO trading_transfers (id, user_id, account_id, direction, currency, amount, state, reference, idempotency_key)
                    VALUES (\(id), \(f.client.id), \(opened.account.id), 'to_account', 'USD', 2500, 'pending', \(reference), 'quoted')
                    """)
                let wallet = try await Ledger.wallet(user: f.client.id, currency: f.usd, in: tx)
                let clearing = try await Trading.clearing(opened.account, in: tx)
                try await Ledger.transfer(id: id, kind: .pending, debit: wallet, credit: clearing, amount: 2500, code: "trading_in", reference: reference, in: tx)
            }
            // MUT
            let settled = try await f.trading.drive(tenant: f.handle, platform: platform, account: opened.account, transferID: id,
                                                    direction: .toAccount, amount: 2500, reference: reference)
            // validate
            #expect(settled.state == .posted)
            #expect(settled.platformTicket == ticket)
            let (stored, broken) = try await f.s.tenantDB.transaction(f.handle) { tx in
                (try await tx.query("SELECT after->>'ticket' FROM audit_log WHERE action = 'trading.transfer_posted' AND subject = \("trading_transfer:" + reference)")
                    .collect().first?.decode(String.self),
                 try await AuditLog.verify(in: tx))
            }
            #expect(stored == ticket)
            #expect(broken == nil)
            try await f.expectConsistent()
        }
    }
}
