import AtriumCompliance
import AtriumCore
import AtriumHTTP
import AtriumStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

/// A confirmed sanctions hit freezes the account: deposits, withdrawals and transfers are refused
/// with a clear 403 and nothing moves; Finance sees the freeze.
@Suite("Account freezes on the money paths", .timeLimit(.minutes(4)))
struct AccountFreezeTests {
    static let refusal = "Your account is frozen pending a compliance review"

    @Test("confirm a hit → frozen (audited); deposit, withdrawal and transfer get 403 with the message; ledger, payments and transfers unchanged")
    func confirmFreezesMoneyPaths() async throws {
        try await TradingRouteTests.with("screenfreeze") { f in
            // setup: a live account, 200.00 USD in the wallet, and the trader's name on the list
            let accountID = try await TradingRouteTests.openAccount(f).id
            await f.s.screening.install(ExactTokenIndex(entries: [ScreeningEntries.entry("9300", "Pat Trader", countries: ["GB"])]))
            let hits = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                try await f.s.screening.screen(client: f.traderID, threshold: 0.88, trigger: .manual, in: tx)
            }
            let hit = try #require(hits.first)
            let admin = FormClient(f.client, host: "aurora.localhost")
            #expect(try await admin.post("/admin/login", ["email": "admin@aurora.test", "password": "admin-demo-pass"], csrfFrom: "/admin").status == .seeOther)
            let caseURL = "/admin/kyc/\(f.traderID.uuidString.lowercased())"
            // MUT
            let confirmed = try await admin.post("\(caseURL)/hits/\(hit.id.uuidString.lowercased())", ["decision": "confirm"], csrfFrom: caseURL)
            // validate
            #expect(confirmed.status == .seeOther)
            let client = f.traderID.uuidString.lowercased()
            func count(_ sql: String) async throws -> Int {
                try await f.s.tenantDB.transaction(f.aurora.handle) { tx in try await tx.query(PostgresQuery(unsafeSQL: sql)).collect().first?.decode(Int.self) ?? -1 }
            }
            #expect(try await count("SELECT count(*)::int FROM account_freezes WHERE client_id = '\(client)' AND origin = 'sanctions' AND reference = '\(hit.id)' AND lifted_at IS NULL") == 1)
            #expect(try await count("SELECT count(*)::int FROM screening_hits WHERE id = '\(hit.id)' AND status = 'confirmed'") == 1)
            #expect(try await count("SELECT count(*)::int FROM audit_log WHERE action = 'account.frozen' AND subject = '\(client)'") == 1)
            #expect(try await count("SELECT count(*)::int FROM audit_log WHERE action = 'screening.confirmed' AND subject = 'trader:\(client)'") == 1)
            let page = try await admin.get(caseURL + "?hit=confirm")
            #expect(page.body.contains(#"id="account-frozen""#))
            #expect(page.body.contains("Hit confirmed. The account is frozen."))
            let ledgerPage = try await admin.get("/admin/clients/\(client)/ledger")
            #expect(ledgerPage.body.contains(#"id="client-frozen""#))

            let before = (try await count("SELECT count(*)::int FROM ledger_transfers"), try await count("SELECT count(*)::int FROM payments"),
                          try await count("SELECT count(*)::int FROM trading_transfers"))
            let deposit = try await f.web.post("/wallet/deposit", ["method": "sandbox-card", "currency": "USD", "amount": "100", "idem": "frozen-d1"], csrfFrom: "/wallet")
            let withdrawal = try await f.web.post("/wallet/withdraw", ["method": "sandbox-card", "currency": "USD", "amount": "50", "idem": "frozen-w1"], csrfFrom: "/wallet")
            let transfer = try await f.web.post("/accounts/\(accountID)/transfer", ["direction": "to_account", "amount": "50", "idem": "frozen-t1"],
                                                csrfFrom: "/accounts/\(accountID)")
            for (name, r) in [("deposit", deposit), ("withdrawal", withdrawal), ("transfer", transfer)] {
                #expect(r.status == .forbidden, "\(name)")
                #expect(r.body.contains(Self.refusal), "\(name) says why")
                #expect(!r.body.contains("PSQLError") && !r.body.contains("AccountFrozen"), "\(name) leaks nothing")
            }
            let after = (try await count("SELECT count(*)::int FROM ledger_transfers"), try await count("SELECT count(*)::int FROM payments"),
                         try await count("SELECT count(*)::int FROM trading_transfers"))
            #expect(after == before)
            let balance = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                try await tx.query("""
                    SELECT (credits_posted - debits_posted)::bigint FROM ledger_accounts WHERE owner_id = \(f.traderID) AND kind = 'wallet'
                    """).collect().first?.decode(Int64.self)
            }
            #expect(balance == 20_000)
        }
    }
}
