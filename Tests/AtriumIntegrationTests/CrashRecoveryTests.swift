import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumLedger
import AtriumPayments
import AtriumStorage
import Foundation
import PostgresNIO
import Testing

/// Runs the real `atrium serve` binary as a child process against the test database.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int

    init(config: AppConfig, port: Int, extra: [String: String], command: String = "serve") throws {
        self.port = port
        let binary = TestCluster.repoRoot + "/.build/debug/atrium"
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw WebDriverError.driverStartFailed("build the atrium executable first: \(binary)") }
        var env = ProcessInfo.processInfo.environment
        env["DATABASE_URL"] = config.databaseURL
        env["ATRIUM_HOME"] = config.home
        env["ATRIUM_TEMPLATES"] = config.templatesDirectory
        env["ATRIUM_MIGRATIONS"] = config.migrationsDirectory
        env["ATRIUM_TENANTS"] = config.tenantsDirectory
        env["ATRIUM_ROLE_PREFIX"] = config.rolePrefix
        env["ATRIUM_PORT"] = "\(port)"
        env["ATRIUM_POOL_SIZE"] = "4"
        env["ATRIUM_LOG_LEVEL"] = "warning"
        env["ATRIUM_SMTP_URL"] = ""
        env["ATRIUM_ENV"] = config.isDevelopment ? "development" : "production"
        for (k, v) in extra { env[k] = v }
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [command]
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        let log = config.home + "/server-\(port).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    func waitUntilHealthy() async throws {
        for _ in 0..<200 {
            if let reply = try? await RawHTTP.send("http://127.0.0.1:\(port)/health", method: .GET), reply.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw WebDriverError.driverStartFailed("atrium serve did not become healthy on port \(port)")
    }

    func waitUntilExited(seconds: Int = 10) async -> Bool {
        for _ in 0..<(seconds * 20) where process.isRunning { try? await Task.sleep(for: .milliseconds(50)) }
        return !process.isRunning
    }

    func stop() async {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        _ = await waitUntilExited()
    }
}

@Suite("Crash recovery", .serialized, .timeLimit(.minutes(3)))
struct CrashRecoveryTests {
    @Test("the server dies between storing a callback and posting it; after a restart the inbox replays and credits exactly once")
    func inboxReplayAfterKill() async throws {
        try await TestEnv.with("crash") { s in
            _ = try await PortalTests.applyDemoBrands(s)
            let tenant = try #require(try await s.registry.tenant(slug: "aurora"))
            let reference = "D-CRASHTEST1"
            let client = try await s.tenantDB.transaction(tenant.handle) { tx in
                let id = try #require(try await Users.create(audience: .trader, email: "crash@aurora.test", name: "Crash", country: "GB", passwordHash: nil, in: tx))
                try await tx.query("""
                    INSERT INTO payments (kind, user_id, psp_id, psp_type, currency, amount, status, reference, idempotency_key)
                    VALUES ('deposit', \(id), 'sandbox-card', 'sandbox', 'USD', 31400, 'created', \(reference), 'crash')
                    """)
                return id
            }
            let brand = try #require(tenant.config)
            let secret = try #require(s.payments.psp(brand, id: "sandbox-card")?.webhookSecret)
            let body = Array(#"{"id":"evt_crash_1","type":"checkout.session.completed","data":{"object":{"amount_total":31400,"currency":"usd","client_reference_id":"D-CRASHTEST1","payment_status":"paid"}}}"#.utf8)
            func send(_ port: Int) async throws -> RawHTTP.Reply {
                try await RawHTTP.send("http://127.0.0.1:\(port)/psp/callback/sandbox-card", host: "aurora.localhost:\(port)",
                                       headers: [("Stripe-Signature", StripeSignature.header(secret: secret, timestamp: Int(Date().timeIntervalSince1970), body: body))],
                                       body: body)
            }
            func balance() async throws -> Int64 {
                try await s.tenantDB.transaction(tenant.handle) { tx in try await Ledger.wallet(user: client, currency: Currency("USD")!, in: tx).balance }
            }

            // 1. a server with the failpoint stores the callback, then exits before processing it
            let port1 = try ChromeDriver.freePort()
            let crashing = try ServerProcess(config: s.config, port: port1, extra: ["ATRIUM_FAILPOINT": "after-inbox"])
            try await crashing.waitUntilHealthy()
            let reply = try? await send(port1)
            #expect(reply == nil || reply?.status != 200)
            #expect(await crashing.waitUntilExited())
            #expect(crashing.process.terminationStatus == 137)
            let (stored, unprocessed) = try await s.tenantDB.transaction(tenant.handle) { tx in
                try await tx.query("SELECT count(*)::int, count(*) FILTER (WHERE processed_at IS NULL)::int FROM psp_inbox WHERE verified")
                    .collect().first!.decode((Int, Int).self)
            }
            #expect(stored == 1)
            #expect(unprocessed == 1)
            #expect(try await balance() == 0)

            // 2. a restarted server's job worker replays the inbox
            let port2 = try ChromeDriver.freePort()
            let restarted = try ServerProcess(config: s.config, port: port2, extra: [:])
            defer { Task { await restarted.stop() } }
            try await restarted.waitUntilHealthy()
            var credited: Int64 = 0
            for _ in 0..<150 {
                credited = try await balance()
                if credited > 0 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(credited == 31_400)
            // 3. the PSP retries the same event: it is a duplicate and changes nothing
            let retry = try await send(port2)
            #expect(retry.status == 200)
            #expect(retry.body.contains("duplicate"))
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await balance() == 31_400)
            let problems = try await s.tenantDB.transaction(tenant.handle) { tx in try await Ledger.verify(in: tx) }
            #expect(problems == [])
            await restarted.stop()
        }
    }

    @Test("`atrium demo` provisions the demo brands and serves them with a working database pool")
    func demoServes() async throws {
        try await TestEnv.with("demo") { s in
            let port = try ChromeDriver.freePort()
            let demo = try ServerProcess(config: s.config, port: port, extra: [:], command: "demo")
            defer { Task { await demo.stop() } }
            try await demo.waitUntilHealthy()
            var ready = 0
            for _ in 0..<100 {
                ready = (try? await RawHTTP.send("http://127.0.0.1:\(port)/ready", method: .GET).status) ?? 0
                if ready == 200 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(ready == 200)
            // Pages that need the database answer: the wallet redirects an anonymous visitor, the
            // Back Office login accepts the demo Finance user.
            let landing = try await RawHTTP.send("http://127.0.0.1:\(port)/", method: .GET, host: "aurora.localhost:\(port)")
            #expect(landing.status == 200)
            let wallet = try await RawHTTP.send("http://127.0.0.1:\(port)/wallet", method: .GET, host: "aurora.localhost:\(port)")
            #expect(wallet.status == 303)
            let finance = try await s.tenantDB.transaction(try #require(try await s.registry.tenant(slug: "aurora")).handle) { tx in
                try await Users.find(audience: .staff, email: "finance@aurora.test", in: tx)
            }
            #expect(finance != nil)
            await demo.stop()
        }
    }
}
