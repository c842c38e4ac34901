import AtriumBrandConfig
import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumLedger
import AtriumSandbox
import AtriumStorage
import AtriumTenancy
import AtriumTrading
import Foundation
import PostgresNIO
import Testing

/// Aurora (MT5 dialect) and Kite (Match-Trader dialect) served by an in-process sandbox trading
/// server over real HTTP, with a KYC-approved Aurora trader holding 1,000.00 USD.
struct TradeFixture: Sendable {
    let s: AppServices
    let sandbox: SandboxPlatformHarness
    let tenant: TenantRecord
    let brand: TenantConfig
    let client: TradingClient

    var handle: TenantHandle { tenant.handle }
    var trading: Trading { s.trading }
    var usd: Currency { Currency("USD")! }

    static func environment(_ sandbox: SandboxPlatformHarness) -> [String: String] {
        sandbox.environment.merging(["ATRIUM_PLATFORM_TIMEOUT_SECONDS": "2"]) { _, new in new }
    }

    static func make(_ s: AppServices, _ sandbox: SandboxPlatformHarness, email: String = "trader@aurora.test", kyc: Bool = true, funds: Int64 = 100_000) async throws -> TradeFixture {
        let brands = try await PortalTests.applyDemoBrands(s)
        let brand = try #require(brands.first { $0.slug.value == "aurora" })
        let tenant = try #require(try await s.registry.tenant(slug: "aurora"))
        let client = try await fundedTrader(s, tenant.handle, email: email, kyc: kyc, funds: funds)
        return TradeFixture(s: s, sandbox: sandbox, tenant: tenant, brand: brand, client: client)
    }

    static func fundedTrader(_ s: AppServices, _ handle: TenantHandle, email: String, kyc: Bool, funds: Int64, currency: String = "USD") async throws -> TradingClient {
        let id = try await s.tenantDB.transaction(handle) { tx in
            let id = try #require(try await Users.create(audience: .trader, email: email, name: "Tess Trader", country: "GB", passwordHash: nil, in: tx))
            if kyc { try await tx.query("UPDATE users SET kyc_status = 'approved', kyc_approved_at = now() WHERE id = \(id)") }
            if funds > 0 {
                let cur = Currency(currency)!
                try await Ledger.transfer(id: UUID(), debit: try await Ledger.house(.adjustments, "test-funding", currency: cur, in: tx),
                                          credit: try await Ledger.wallet(user: id, currency: cur, in: tx), amount: funds, code: "test_funding", in: tx)
            }
            return id
        }
        return TradingClient(id: id, email: email, name: "Tess Trader", kycApproved: kyc)
    }

    func open(live: Bool = true, type: String = "standard", leverage: Int = 100, client: TradingClient? = nil) async throws -> OpenedAccount {
        try await trading.openAccount(tenant: handle, brand: brand, client: client ?? self.client, connectionID: "mt5-live", accountTypeID: type,
                                      live: live, leverage: leverage, idempotencyKey: UUID().uuidString)
    }

    func transfer(_ account: TradingAccountRecord, _ direction: TransferDirection, _ amount: Int64, key: String = UUID().uuidString) async throws -> TradingTransfer {
        try await trading.transfer(tenant: handle, brand: brand, client: client, accountID: account.id, direction: direction, amount: amount, idempotencyKey: key)
    }

    func platform() throws -> any TradingPlatform { try trading.directory.platform(brand, connection: "mt5-live") }

    func platformBalance(_ account: TradingAccountRecord) async throws -> Int64 {
        try await platform().state(login: account.login, currency: usd).balance
    }

    func wallet() async throws -> LedgerAccount {
        try await s.tenantDB.transaction(handle) { tx in try await Ledger.wallet(user: client.id, currency: usd, in: tx) }
    }

    func expectConsistent(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let problems = try await s.tenantDB.transaction(handle) { tx in try await Ledger.verify(in: tx) }
        #expect(problems == [], sourceLocation: sourceLocation)
    }

    func count(_ sql: String) async throws -> Int {
        try await s.tenantDB.transaction(handle) { tx in try await tx.query(PostgresQuery(unsafeSQL: sql)).collect().first?.decode(Int.self) ?? -1 }
    }

    static func with(_ name: String, _ body: @Sendable (TradeFixture) async throws -> Void) async throws {
        try await SandboxPlatformHarness.with { sandbox in
            try await TestEnv.with(name, environment: environment(sandbox)) { s in
                try await body(try await make(s, sandbox))
            }
        }
    }
}

@Suite("Trading platform clients against the sandbox over HTTP", .timeLimit(.minutes(3)))
struct TradingClientTests {
    @Test("MT5 Web API client: challenge auth, account, leverage, rights, idempotent balance, errors")
    func mt5Client() async throws {
        try await SandboxPlatformHarness.with { sandbox in
            let mt5 = MT5WebAPIClient(connectionID: "t", endpoint: sandbox.url, managerLogin: "1000", managerPassword: "Sandbox-Manager-1",
                                      serverTimeOffsetMinutes: 120, timeout: .seconds(2))
            try await mt5.ping()
            let login = try await mt5.createAccount(NewPlatformAccount(group: "real\\standard", leverage: 100, currency: Currency("USD")!, name: "Ann",
                                                                        email: "ann@x.test", password: "Pa55word!x", investorPassword: "Inv3stor!x"))
            var info = try await mt5.account(login: login)
            #expect(info.group == "real\\standard")
            #expect(info.leverage == 100)
            #expect(info.access == .enabled)
            try await mt5.setLeverage(login: login, leverage: 200)
            #expect(try await mt5.account(login: login).leverage == 200)
            try await mt5.setAccess(login: login, access: .readOnly)
            info = try await mt5.account(login: login)
            #expect(info.access == .readOnly)
            try await mt5.setAccess(login: login, access: .enabled)
            #expect(try await mt5.account(login: login).access == .enabled)

            let usd = Currency("USD")!
            let first = try await mt5.balance(login: login, amount: 10_000, currency: usd, reference: "ATtestref0001")
            #expect(first.alreadyApplied == false)
            let again = try await mt5.balance(login: login, amount: 10_000, currency: usd, reference: "ATtestref0001")
            #expect(again.alreadyApplied)
            #expect(again.ticket == first.ticket)
            #expect(try await mt5.state(login: login, currency: usd).balance == 10_000)
            #expect(try await mt5.findBalance(login: login, reference: "ATtestref0001", since: Date().addingTimeInterval(-3600)) == first.ticket)
            #expect(try await mt5.findBalance(login: login, reference: "ATnever", since: Date().addingTimeInterval(-3600)) == nil)
            await #expect(throws: PlatformError.rejected(code: "10019", message: "Not enough money")) {
                _ = try await mt5.balance(login: login, amount: -50_000, currency: usd, reference: "ATtestref0002")
            }
            #expect(try await mt5.state(login: login, currency: usd).balance == 10_000)
            let ops = try await mt5.balanceOperations(login: login, since: Date().addingTimeInterval(-3600), currency: usd)
            #expect(ops.map(\.amount) == [10_000])
            await #expect(throws: PlatformError.notFound("/api/user/get: 13 Not found")) { _ = try await mt5.account(login: "999999") }

            // wrong password: auth failed; the server's answer is not trusted either way
            let wrong = MT5WebAPIClient(connectionID: "t", endpoint: sandbox.url, managerLogin: "1000", managerPassword: "wrong", serverTimeOffsetMinutes: 0)
            await #expect(throws: PlatformError.authFailed("/api/auth/answer: 1001 Invalid account")) { try await wrong.ping() }

            // faults: 503 is definite, a malformed answer is typed, no answer is a timeout
            try await sandbox.fault("user/get", "error")
            await #expect(throws: PlatformError.self) { _ = try await mt5.account(login: login) }
            try await sandbox.fault("user/get", "malformed")
            do { _ = try await mt5.account(login: login); Issue.record("malformed answer accepted") } catch let e as PlatformError { #expect(e.kind == "malformed") }
            try await sandbox.fault("user/get", "timeout")
            do { _ = try await mt5.account(login: login); Issue.record("hang not reported") } catch let e as PlatformError { #expect(e.isAmbiguous) }
            #expect(try await mt5.account(login: login).leverage == 200)

            // a platform that is not there at all
            let down = MT5WebAPIClient(connectionID: "t", endpoint: "http://127.0.0.1:\(try ChromeDriver.freePort())", managerLogin: "1000",
                                       managerPassword: "x", serverTimeOffsetMinutes: 0, timeout: .seconds(2))
            do { try await down.ping(); Issue.record("ping to nothing succeeded") } catch let e as PlatformError { #expect(e.kind == "unavailable") }
        }
    }

    @Test("MT5 deal times are server-local: converted to UTC with the connection's offset")
    func mt5DealTimes() async throws {
        try await SandboxPlatformHarness.with { sandbox in
            let mt5 = MT5WebAPIClient(connectionID: "t", endpoint: sandbox.url, managerLogin: "1000", managerPassword: "Sandbox-Manager-1", serverTimeOffsetMinutes: 120)
            let login = try await mt5.createAccount(NewPlatformAccount(group: "real\\raw", leverage: 100, currency: Currency("USD")!, name: "B", email: "b@x.test",
                                                                        password: "Pa55word!x", investorPassword: "Inv3stor!x"))
            _ = try await mt5.balance(login: login, amount: 1_000_000, currency: Currency("USD")!, reference: "ATseed")
            try await sandbox.generateDeals(login: login, count: 5)
            let page = try await mt5.deals(groups: ["real\\raw"], after: .start, limit: 100) { _ in Currency("USD") }
            #expect(page.trades.count == 5)
            for t in page.trades {
                #expect(abs(t.closeTime.timeIntervalSinceNow) < 3_700, "close time \(t.closeTime) is UTC, within the last hour")
                #expect(t.volume > 0)
            }
            // the same server read with a wrong offset (UTC+4 instead of UTC+2) puts the deals two hours off
            let skewed = MT5WebAPIClient(connectionID: "t", endpoint: sandbox.url, managerLogin: "1000", managerPassword: "Sandbox-Manager-1", serverTimeOffsetMinutes: 240)
            let wrong = try await skewed.deals(groups: ["real\\raw"], after: .start, limit: 100) { _ in Currency("USD") }
            let shift = try #require(wrong.trades.first?.closeTime).timeIntervalSince(try #require(page.trades.first?.closeTime))
            #expect(shift == -7_200)
        }
    }

    @Test("Match-Trader client: API key, idempotent deposits, refused withdrawal, closed-position paging, 429 handling")
    func matchTraderClient() async throws {
        try await SandboxPlatformHarness.with { sandbox in
            let mtr = MatchTraderClient(connectionID: "m", endpoint: sandbox.url + "/mtr", apiKey: "sandbox-mtr-key", timeout: .seconds(2))
            let eur = Currency("EUR")!
            try await mtr.ping()
            let login = try await mtr.createAccount(NewPlatformAccount(group: "retail-eur", leverage: 30, currency: eur, name: "Kai", email: "kai@x.test",
                                                                        password: "Pa55word!x", investorPassword: "Inv3stor!x"))
            #expect(try await mtr.account(login: login).leverage == 30)
            try await mtr.setLeverage(login: login, leverage: 20)
            try await mtr.setAccess(login: login, access: .readOnly)
            let info = try await mtr.account(login: login)
            #expect(info.leverage == 20)
            #expect(info.access == .readOnly)
            try await mtr.setAccess(login: login, access: .enabled)
            let d1 = try await mtr.balance(login: login, amount: 50_000, currency: eur, reference: "ATmtr1")
            let d2 = try await mtr.balance(login: login, amount: 50_000, currency: eur, reference: "ATmtr1")
            #expect(!d1.alreadyApplied)
            #expect(d2.alreadyApplied)
            #expect(d2.ticket == d1.ticket)
            #expect(try await mtr.state(login: login, currency: eur).balance == 50_000)
            do { _ = try await mtr.balance(login: login, amount: -90_000, currency: eur, reference: "ATmtr2"); Issue.record("overdraw accepted") }
            catch let e as PlatformError {
                guard case .rejected(let code, _) = e else { Issue.record("expected a refusal, got \(e)"); return }
                #expect(code == "NOT_ENOUGH_MONEY")
            }
            #expect(try await mtr.findBalance(login: login, reference: "ATmtr1", since: .distantPast) == d1.ticket)
            #expect(try await mtr.findBalance(login: login, reference: "ATmtr2", since: .distantPast) == nil)

            try await sandbox.generateDeals(login: login, count: 25)
            var cursor = DealCursor.start
            var seen: [Int64] = []
            for _ in 0..<10 {
                let page = try await mtr.deals(groups: ["retail-eur"], after: cursor, limit: 10) { _ in eur }
                seen += page.trades.map(\.ticket)
                cursor = page.next
                if !page.hasMore { break }
            }
            #expect(seen.count == 25)
            #expect(Set(seen).count == 25)
            #expect(seen == seen.sorted())

            let badKey = MatchTraderClient(connectionID: "m", endpoint: sandbox.url + "/mtr", apiKey: "nope")
            do { try await badKey.ping(); Issue.record("bad key accepted") } catch let e as PlatformError { #expect(e.kind == "auth_failed") }
        }
    }

    @Test("the sandbox keeps its state across a restart (journal, then snapshot), and a cut-off journal line is ignored")
    func sandboxPersistence() async throws {
        let dir = TestCluster.testHome + "/sandbox-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let usd = Currency("USD")!
        @Sendable func client(_ sandbox: SandboxPlatformHarness) -> MT5WebAPIClient {
            MT5WebAPIClient(connectionID: "t", endpoint: sandbox.url, managerLogin: "1000", managerPassword: "Sandbox-Manager-1", serverTimeOffsetMinutes: 120)
        }
        let login = try await SandboxPlatformHarness.with(data: dir) { sandbox in
            let mt5 = client(sandbox)
            let login = try await mt5.createAccount(NewPlatformAccount(group: "real\\standard", leverage: 200, currency: usd, name: "P", email: "p@x.test",
                                                                        password: "Pa55word!x", investorPassword: "Inv3stor!x"))
            _ = try await mt5.balance(login: login, amount: 12_345, currency: usd, reference: "ATpersist1")
            return login
        }
        // a process killed mid-write leaves half a line behind
        let journal = dir + "/journal.jsonl"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: journal))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"records":[{"kind":"acc"#.utf8))
        try handle.close()
        try await SandboxPlatformHarness.with(data: dir) { sandbox in
            let mt5 = client(sandbox)
            #expect(try await mt5.account(login: login).leverage == 200)
            #expect(try await mt5.state(login: login, currency: usd).balance == 12_345)
            let again = try await mt5.balance(login: login, amount: 12_345, currency: usd, reference: "ATpersist1")
            #expect(again.alreadyApplied)
            try await sandbox.engine.flush()
        }
        try await SandboxPlatformHarness.with(data: dir) { sandbox in
            let balance = try await client(sandbox).state(login: login, currency: usd).balance
            #expect(balance == 12_345)
        }
    }

    @Test("Match-Trader 429: the client reports rate limited and pauses every caller for Retry-After")
    func matchTraderRateLimit() async throws {
        try await SandboxPlatformHarness.with(rateLimit: 5) { sandbox in
            let mtr = MatchTraderClient(connectionID: "m", endpoint: sandbox.url + "/mtr", apiKey: "sandbox-mtr-key")
            for _ in 0..<5 { try await mtr.ping() }
            do { try await mtr.ping(); Issue.record("6th request within a minute accepted") } catch let e as PlatformError {
                guard case .rateLimited(let seconds) = e else { Issue.record("expected rate limited, got \(e)"); return }
                #expect(seconds >= 1)
                #expect(await mtr.throttle.available == 0)
            }
        }
    }

    /// The soak's rate-limit 503s: two servers each had the whole of Kite's limit, and one server's
    /// bucket let nearly twice the limit through in a window.
    @Test("two servers on one API key, each with its share, send as fast as they may and meet no 429")
    func matchTraderServersShareTheLimit() async throws {
        try await SandboxPlatformHarness.with(rateLimit: 12, windowSeconds: 2) { sandbox in
            let servers = (0..<2).map { _ in
                MatchTraderClient(connectionID: "m", endpoint: sandbox.url + "/mtr", apiKey: "sandbox-mtr-key", limit: 12, windowSeconds: 2, servers: 2)
            }
            // MUT: both send 8 pings back to back (16 requests, over two windows' worth at 12 per 2 s)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for mtr in servers { group.addTask { for _ in 0..<8 { try await mtr.ping() } } }
                try await group.waitForAll()
            }
            // validate: the platform refused nothing
            struct State: Decodable { let rateLimited: Int }
            let state = try await RawHTTP.send(sandbox.url + "/control/state", method: .GET)
            #expect(try JSONDecoder().decode(State.self, from: Data(state.body.utf8)).rateLimited == 0)
        }
    }

    /// The soak's 98 × 503: two servers share Kite's platform limit, each with its own throttle, and
    /// the platform answered "retry after 1 s" to account openings and transfers.
    @Test("Match-Trader 429 with a short Retry-After: the client waits it out and sends the request again, once")
    func matchTraderShortPauseIsWaitedOut() async throws {
        try await SandboxPlatformHarness.with(rateLimit: 2, windowSeconds: 2) { sandbox in
            let mtr = MatchTraderClient(connectionID: "m", endpoint: sandbox.url + "/mtr", apiKey: "sandbox-mtr-key")
            let clock = ContinuousClock()
            let start = clock.now
            // MUT: two pings fill the window; the account opening (two POSTs) meets a 429 and waits
            try await mtr.ping()
            try await mtr.ping()
            let login = try await mtr.createAccount(NewPlatformAccount(group: "retail-eur", leverage: 30, currency: Currency("EUR")!, name: "Rae",
                                                                        email: "rae@x.test", password: "Pa55word!x", investorPassword: "Inv3stor!x"))
            let waited = clock.now - start
            // validate: it waited for the window, and exactly one account exists
            #expect(waited >= .seconds(1))
            #expect(try await mtr.account(login: login).leverage == 30)
            struct State: Decodable { let accounts: Int }
            let state = try await RawHTTP.send(sandbox.url + "/control/state", method: .GET)
            #expect(try JSONDecoder().decode(State.self, from: Data(state.body.utf8)).accounts == 1)
        }
    }
}
