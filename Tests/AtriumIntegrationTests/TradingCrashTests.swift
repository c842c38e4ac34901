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

@Suite("Transfer saga across process kills", .serialized, .timeLimit(.minutes(3)))
struct TradingCrashTests {
    @Test("killed after the platform applied, or after the hold: a restarted server settles both, no money lost or doubled")
    func killAndRestart() async throws {
        try await SandboxPlatformHarness.with { sandbox in
            try await TestEnv.with("trcrash", environment: TradeFixture.environment(sandbox)) { s in
                let f = try await TradeFixture.make(s, sandbox)
                let account = try await f.open().account
                let (cookie, csrf) = try await Self.session(f)
                var env = TradeFixture.environment(sandbox)
                env["ATRIUM_TRADING_RECOVERY_SECONDS"] = "1"
                env["ATRIUM_TRADING_SYNC"] = "false"

                func post(_ port: Int, amount: String, direction: String = "to_account") async -> RawHTTP.Reply? {
                    let body = "_csrf=\(csrf.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")&direction=\(direction)&amount=\(amount)&idem=\(UUID().uuidString)"
                    return try? await RawHTTP.send("http://127.0.0.1:\(port)/accounts/\(account.id.uuidString.lowercased())/transfer",
                                                   host: "aurora.localhost:\(port)",
                                                   headers: [("Cookie", cookie), ("Content-Type", "application/x-www-form-urlencoded")], body: Array(body.utf8))
                }
                func crash(_ point: String, amount: String) async throws {
                    let port = try ChromeDriver.freePort()
                    var extra = env
                    extra["ATRIUM_FAILPOINT"] = point
                    let server = try ServerProcess(config: s.config, port: port, extra: extra)
                    try await server.waitUntilHealthy()
                    let reply = await post(port, amount: amount)
                    #expect(reply == nil, "the server died before answering")
                    #expect(await server.waitUntilExited())
                    #expect(server.process.terminationStatus == 137)
                }
                func settle() async throws {
                    let port = try ChromeDriver.freePort()
                    let server = try ServerProcess(config: s.config, port: port, extra: env)
                    try await server.waitUntilHealthy()
                    // the recovery job waits out one platform timeout (2 s here) plus 5 s, then retries with backoff
                    for _ in 0..<600 {
                        if try await f.count("SELECT count(*)::int FROM trading_transfers WHERE state IN ('pending', 'unknown')") == 0 { break }
                        try await Task.sleep(for: .milliseconds(100))
                    }
                    await server.stop()
                }

                // 1. killed after the platform applied 150.00, before the ledger posted
                try await crash("trading-after-platform", amount: "150.00")
                #expect(try await f.count("SELECT count(*)::int FROM trading_transfers WHERE state = 'pending'") == 1)
                #expect(try await f.platformBalance(account) == 15_000)
                #expect(try await f.wallet().available == 85_000)
                try await settle()
                #expect(try await f.count("SELECT count(*)::int FROM trading_transfers WHERE state = 'posted'") == 1)
                #expect(try await f.wallet().balance == 85_000)
                #expect(try await f.platformBalance(account) == 15_000)

                // 2. killed after the hold, before the platform was called
                try await crash("trading-after-hold", amount: "200.00")
                #expect(try await f.wallet().available == 65_000)
                #expect(try await f.platformBalance(account) == 15_000)
                try await settle()
                #expect(try await f.count("SELECT count(*)::int FROM trading_transfers WHERE state = 'voided'") == 1)
                #expect(try await f.wallet().available == 85_000)
                #expect(try await f.wallet().debitsPending == 0)
                #expect(try await f.platformBalance(account) == 15_000)

                try await f.expectConsistent()
                #expect(try await f.trading.reconcile(tenant: f.handle, brand: f.brand).differences == [])
            }
        }
    }

    /// A trader session cookie and a CSRF token the server subprocess accepts (same database, same master key).
    static func session(_ f: TradeFixture) async throws -> (cookie: String, csrf: String) {
        let token = try await f.s.tenantDB.transaction(f.handle) { tx in
            try await Sessions.create(user: f.client.id, audience: .trader, ip: "127.0.0.1", userAgent: "test", replacing: nil, in: tx)
        }
        let csrfCookie = Token.random()
        return ("\(Audience.trader.cookieName)=\(token); \(CSRFProtector.cookieName)=\(csrfCookie)", f.s.csrf.token(for: csrfCookie))
    }
}
