import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumLedger
import AtriumStorage
import AtriumTenancy
import AtriumTrading
import Foundation
import PostgresNIO
import Testing

@Suite("Trading accounts and the transfer saga", .timeLimit(.minutes(3)))
struct TradingSagaTests {
    @Test("live accounts need approved KYC; demo accounts start with virtual money outside the ledger; a repeated form opens one account")
    func openAccounts() async throws {
        try await TradeFixture.with("tropen") { f in
            let unverified = try await TradeFixture.fundedTrader(f.s, f.handle, email: "new@aurora.test", kyc: false, funds: 0)
            await #expect(throws: TradingError.kycRequired) { _ = try await f.open(client: unverified) }
            await #expect(throws: TradingError.leverageNotOffered) { _ = try await f.open(leverage: 500) }
            await #expect(throws: TradingError.unknownAccountType) { _ = try await f.open(type: "vip") }
            #expect(try await f.count("SELECT count(*)::int FROM trading_accounts") == 0)

            let demo = try await f.open(live: false, client: unverified)
            #expect(demo.account.kind == "demo")
            #expect(demo.account.group == "demo\\real\\standard")
            #expect(try await f.platformBalance(demo.account) == 1_000_000)

            let key = UUID().uuidString
            let first = try await f.trading.openAccount(tenant: f.handle, brand: f.brand, client: f.client, connectionID: "mt5-live", accountTypeID: "standard",
                                                        live: true, leverage: 100, idempotencyKey: key)
            let password = try #require(first.password)
            #expect(password.count == 12)
            #expect(first.account.isLive)
            #expect(try await f.platform().account(login: first.account.login).leverage == 100)
            let again = try await f.trading.openAccount(tenant: f.handle, brand: f.brand, client: f.client, connectionID: "mt5-live", accountTypeID: "standard",
                                                        live: true, leverage: 100, idempotencyKey: key)
            #expect(again.account.id == first.account.id)
            #expect(again.password == nil)
            #expect(try await f.count("SELECT count(*)::int FROM trading_accounts") == 2)
            // the password is nowhere in the tenant's tables
            let dump = try await f.count("SELECT count(*)::int FROM trading_accounts t WHERE t::text LIKE '%\(password)%'")
            #expect(dump == 0)
            let audit = try await f.count("SELECT count(*)::int FROM audit_log WHERE action = 'trading.account_opened'")
            #expect(audit == 2)
            // demo accounts cannot move ledger money
            let ownDemo = try await f.open(live: false)
            await #expect(throws: TradingError.demoAccount) { _ = try await f.transfer(ownDemo.account, .toAccount, 1_000) }
            // another client's account is not found, whoever asks
            await #expect(throws: TradingError.notFound) { _ = try await f.transfer(demo.account, .toAccount, 1_000) }
        }
    }

    @Test("a lost answer while opening an account: the account the platform made is adopted, not orphaned; nothing made gives a clear error")
    func openAccountLostAnswer() async throws {
        try await TradeFixture.with("tradopt") { f in
            try await f.sandbox.fault("user/add", "timeout_after_apply")
            let opened = try await f.open()
            #expect(opened.password != nil)
            #expect(try await f.platform().account(login: opened.account.login).leverage == 100)
            try await f.sandbox.fault("user/add", "timeout")
            do { _ = try await f.open(); Issue.record("opened without an account") } catch let e as TradingError { #expect(e.status == 503) }
            #expect(try await f.count("SELECT count(*)::int FROM trading_accounts") == 1)
            #expect(try await f.platform().accounts(email: f.client.email, group: "real\\standard").count == 1)

            // the same on the Match-Trader dialect (Kite)
            let kite = try #require(try await f.s.registry.tenant(slug: "kite"))
            let brand = try #require(kite.config)
            let client = try await TradeFixture.fundedTrader(f.s, kite.handle, email: "adopt@kite.test", kyc: true, funds: 0, currency: "EUR")
            try await f.sandbox.fault("v1/trading-accounts", "timeout_after_apply")
            let kiteOpened = try await f.s.trading.openAccount(tenant: kite.handle, brand: brand, client: client, connectionID: "mtr-live",
                                                               accountTypeID: "retail", live: true, leverage: 20, idempotencyKey: "k")
            #expect(kiteOpened.password != nil)
            let mtr = try f.s.trading.directory.platform(brand, connection: "mtr-live")
            #expect(try await mtr.accounts(email: "adopt@kite.test", group: "retail-eur").map(\.login) == [kiteOpened.account.login])
        }
    }

    @Test("transfers both ways post exactly once; a repeated form is one transfer; free margin and wallet funds are checked")
    func transfers() async throws {
        try await TradeFixture.with("trsaga") { f in
            let account = try await f.open().account
            let key = UUID().uuidString
            let t1 = try await f.transfer(account, .toAccount, 25_000, key: key)
            #expect(t1.state == .posted)
            let t1again = try await f.transfer(account, .toAccount, 25_000, key: key)
            #expect(t1again.id == t1.id)
            #expect(try await f.platformBalance(account) == 25_000)
            #expect(try await f.wallet().balance == 75_000)

            let t2 = try await f.transfer(account, .toWallet, 10_000)
            #expect(t2.state == .posted)
            #expect(try await f.platformBalance(account) == 15_000)
            #expect(try await f.wallet().balance == 85_000)

            await #expect(throws: TradingError.insufficientFreeMargin(available: 15_000)) { _ = try await f.transfer(account, .toWallet, 20_000) }
            await #expect(throws: TradingError.insufficientFunds) { _ = try await f.transfer(account, .toAccount, 85_001) }
            #expect(try await f.count("SELECT count(*)::int FROM trading_transfers") == 2)
            #expect(try await f.wallet().balance == 85_000)
            #expect(try await f.wallet().debitsPending == 0)

            // ten concurrent transfers of 100.00 against 850.00: eight go through, two are refused
            let results = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<10 { group.addTask { (try? await f.transfer(account, .toAccount, 10_000))?.state == .posted } }
                var ok = 0
                for await r in group where r { ok += 1 }
                return ok
            }
            #expect(results == 8)
            #expect(try await f.platformBalance(account) == 95_000)
            #expect(try await f.wallet().balance == 5_000)
            try await f.expectConsistent()
            let report = try await f.trading.reconcile(tenant: f.handle, brand: f.brand)
            #expect(report.accounts == 1)
            #expect(report.matched == 1)
            #expect(report.differences == [])
        }
    }

    @Test("platform down: a clear 503 error, no money moves; wrong credentials fail only that brand")
    func platformDown() async throws {
        try await TradeFixture.with("trdown") { f in
            let account = try await f.open().account
            try await f.sandbox.fault("*", "error", count: 0)
            do { _ = try await f.transfer(account, .toAccount, 10_000); Issue.record("transfer while down") } catch let e as TradingError {
                #expect(e.status == 503)
                #expect(e.publicMessage == "error_platform_unavailable")
            }
            await #expect(throws: TradingError.self) { _ = try await f.open() }
            try await f.sandbox.control("reset-faults")
            #expect(try await f.wallet().available == 100_000)
            #expect(try await f.count("SELECT count(*)::int FROM trading_transfers WHERE state <> 'voided'") == 0)
            try await f.expectConsistent()
        }
        // Aurora's manager password is wrong; Kite's Match-Trader connection keeps working.
        try await SandboxPlatformHarness.with { sandbox in
            var env = TradeFixture.environment(sandbox)
            env["AURORA_MT5_PASSWORD"] = "not-the-password"
            try await TestEnv.with("trauth", environment: env) { s in
                let f = try await TradeFixture.make(s, sandbox)
                do { _ = try await f.open(); Issue.record("opened with wrong credentials") } catch let e as TradingError { #expect(e.status == 503) }
                await #expect(throws: PlatformError.self) { try await f.trading.syncOnce(tenant: f.handle, brand: f.brand, connectionID: "mt5-live") }
                let status = try await f.trading.syncStatus(tenant: f.handle)
                #expect(status.first?.status == "auth_failed")

                let kite = try #require(try await s.registry.tenant(slug: "kite"))
                let kiteBrand = try #require(kite.config)
                let kiteClient = try await TradeFixture.fundedTrader(s, kite.handle, email: "k@kite.test", kyc: true, funds: 50_000, currency: "EUR")
                let opened = try await s.trading.openAccount(tenant: kite.handle, brand: kiteBrand, client: kiteClient, connectionID: "mtr-live",
                                                             accountTypeID: "retail", live: true, leverage: 20, idempotencyKey: "k1")
                let t = try await s.trading.transfer(tenant: kite.handle, brand: kiteBrand, client: kiteClient, accountID: opened.account.id,
                                                     direction: .toAccount, amount: 12_345, idempotencyKey: "k1")
                #expect(t.state == .posted)
                #expect(t.currency.code == "EUR")
                let state = try await s.trading.directory.platform(kiteBrand, connection: "mtr-live").state(login: opened.account.login, currency: Currency("EUR")!)
                #expect(state.balance == 12_345)
                try await s.trading.syncOnce(tenant: kite.handle, brand: kiteBrand, connectionID: "mtr-live")
                #expect(try await s.trading.syncStatus(tenant: kite.handle).first?.status == "ok")
            }
        }
    }

    @Test("leverage: within policy applied and read back; above it reviewed, then applied by the Back Office; access changes read back")
    func leverageAndAccess() async throws {
        try await TradeFixture.with("trlev") { f in
            let account = try await f.open(leverage: 50).account
            #expect(try await f.trading.requestLeverage(tenant: f.handle, brand: f.brand, client: f.client, accountID: account.id, leverage: 100) == .applied(100))
            #expect(try await f.platform().account(login: account.login).leverage == 100)
            await #expect(throws: TradingError.sameLeverage) {
                _ = try await f.trading.requestLeverage(tenant: f.handle, brand: f.brand, client: f.client, accountID: account.id, leverage: 100)
            }
            await #expect(throws: TradingError.leverageNotOffered) {
                _ = try await f.trading.requestLeverage(tenant: f.handle, brand: f.brand, client: f.client, accountID: account.id, leverage: 400)
            }
            let outcome = try await f.trading.requestLeverage(tenant: f.handle, brand: f.brand, client: f.client, accountID: account.id, leverage: 200)
            guard case .review(let requestID) = outcome else { Issue.record("200 is above the automatic limit of 100"); return }
            #expect(try await f.platform().account(login: account.login).leverage == 100)
            await #expect(throws: TradingError.requestPending) {
                _ = try await f.trading.requestLeverage(tenant: f.handle, brand: f.brand, client: f.client, accountID: account.id, leverage: 200)
            }
            #expect(try await f.trading.leverageRequests(tenant: f.handle).map(\.id) == [requestID])
            try await f.trading.decideLeverage(tenant: f.handle, brand: f.brand, requestID: requestID, approve: true, staff: "staff:test", note: "")
            #expect(try await f.platform().account(login: account.login).leverage == 200)
            #expect(try await f.trading.account(tenant: f.handle, id: account.id).leverage == 200)
            await #expect(throws: TradingError.invalidState) {
                try await f.trading.decideLeverage(tenant: f.handle, brand: f.brand, requestID: requestID, approve: false, staff: "staff:test", note: "")
            }

            let readOnly = try await f.trading.setAccess(tenant: f.handle, brand: f.brand, accountID: account.id, access: .readOnly, staff: "staff:test")
            #expect(readOnly.verified)
            #expect(try await f.platform().account(login: account.login).access == .readOnly)
            let disabled = try await f.trading.setAccess(tenant: f.handle, brand: f.brand, accountID: account.id, access: .disabled, staff: "staff:test")
            #expect(disabled == AccessChange(requested: .disabled, readBack: .disabled))
            #expect(try await f.trading.account(tenant: f.handle, id: account.id).access == .disabled)
            await #expect(throws: TradingError.accountNotActive) { _ = try await f.transfer(account, .toAccount, 1_000) }
            let audit = try await f.count("SELECT count(*)::int FROM audit_log WHERE action IN ('trading.access_changed', 'trading.leverage_changed', 'trading.leverage_requested')")
            #expect(audit == 5)
        }
    }

    @Test("MT5 sync: whole windows stored in chunks with the cursor; both commissions and the open time join across passes; reruns add nothing")
    func syncMT5() async throws {
        try await TradeFixture.with("trsync") { f in
            let account = try await f.open().account
            _ = try await f.transfer(account, .toAccount, 50_000)
            try await f.sandbox.generateDeals(login: account.login, count: 250)
            let first = try await f.trading.syncOnce(tenant: f.handle, brand: f.brand, connectionID: "mt5-live", pageLimit: 100, maxPages: 1)
            #expect(first.deals == 250)
            #expect(first.caughtUp)
            try await f.sandbox.generateDeals(login: account.login, count: 40)
            #expect(try await f.trading.syncOnce(tenant: f.handle, brand: f.brand, connectionID: "mt5-live").deals == 40)
            #expect(try await f.trading.syncOnce(tenant: f.handle, brand: f.brand, connectionID: "mt5-live").deals == 0)
            #expect(try await f.count("SELECT count(*)::int FROM trading_deals WHERE account_id IS NOT NULL AND currency = 'USD' AND open_time < close_time") == 290)
            let status = try #require(try await f.trading.syncStatus(tenant: f.handle).first)
            #expect(status.dealsIngested == 290)
            #expect(status.status == "ok")
            #expect((status.lagSeconds() ?? 99) < 5)
            let trades = try await f.trading.trades(tenant: f.handle, account: account.id, limit: 1000)
            #expect(trades.count == 290)
            // every cent of trading result on the platform is in the synced trades (both commissions included)
            let platformBalance = try await f.platformBalance(account)
            let pnl = trades.reduce(Int64(0)) { $0 + $1.profit + $1.commission + $1.swap }
            #expect(platformBalance == 50_000 + pnl)
            // the ledger only knows the transfer, and reconciliation compares balance operations only
            #expect(try await f.trading.reconcile(tenant: f.handle, brand: f.brand).differences == [])
            #expect(try await f.trading.account(tenant: f.handle, id: account.id).lastState?.balance == platformBalance)
        }
    }

    @Test("Match-Trader sync pages by id and resumes from its cursor")
    func syncResume() async throws {
        try await TradeFixture.with("trsyncm") { f in
            let kite = try #require(try await f.s.registry.tenant(slug: "kite"))
            let brand = try #require(kite.config)
            let client = try await TradeFixture.fundedTrader(f.s, kite.handle, email: "sync@kite.test", kyc: true, funds: 100_000, currency: "EUR")
            let account = try await f.s.trading.openAccount(tenant: kite.handle, brand: brand, client: client, connectionID: "mtr-live", accountTypeID: "retail",
                                                            live: true, leverage: 20, idempotencyKey: "s").account
            _ = try await f.s.trading.transfer(tenant: kite.handle, brand: brand, client: client, accountID: account.id, direction: .toAccount, amount: 90_000, idempotencyKey: "s")
            try await f.sandbox.generateDeals(login: account.login, count: 250)
            func pass(_ pages: Int) async throws -> SyncPass {
                try await f.s.trading.syncOnce(tenant: kite.handle, brand: brand, connectionID: "mtr-live", pageLimit: 100, maxPages: pages)
            }
            let one = try await pass(1)
            #expect(one.deals == 100)
            #expect(!one.caughtUp)
            #expect(try await pass(1).deals == 100)
            let rest = try await pass(20)
            #expect(rest.deals == 50)
            #expect(rest.caughtUp)
            #expect(try await pass(20).deals == 0)
            let stored = try await f.s.tenantDB.transaction(kite.handle) { tx in
                try await tx.query("SELECT count(DISTINCT ticket)::int, count(*)::int, min(currency), sum(profit + commission + swap)::bigint FROM trading_deals WHERE account_id = \(account.id)")
                    .collect().first!.decode((Int, Int, String, Int64).self)
            }
            #expect(stored.0 == 250)
            #expect(stored.1 == 250)
            #expect(stored.2 == "EUR")
            let balance = try await f.s.trading.directory.platform(brand, connection: "mtr-live").state(login: account.login, currency: Currency("EUR")!).balance
            #expect(balance == 90_000 + stored.3)
        }
    }
}
