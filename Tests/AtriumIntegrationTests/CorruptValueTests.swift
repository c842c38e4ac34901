import AtriumCore
import AtriumHTTP
import AtriumPayments
import AtriumStorage
import AtriumTenancy
import AtriumTrading
import AtriumWork
import Foundation
import PostgresNIO
import Testing

/// The process-wide count of `atrium_corrupt_values_total{kind=…}` (bootstrapping metrics first).
func corruptCount(_ kind: String, _ s: AppServices) -> Int {
    _ = buildApplication(services: s)
    let prefix = "\(CorruptValues.metric){kind=\"\(kind)\"} "
    let line = AtriumMetrics.registry.emitToString().split(separator: "\n").first { $0.hasPrefix(prefix) }
    return line.flatMap { Int($0.dropFirst(prefix.count)) } ?? 0
}

@Suite("Stored values that do not decode fail loudly", .timeLimit(.minutes(3)))
struct CorruptValueTests {
    @Test("a trading account with an unknown currency is an error naming the row and the value, not a USD account")
    func unknownCurrency() async throws {
        try await TradeFixture.with("cvcur") { f in
            // setup
            let opened = try await f.open()
            try await f.s.tenantDB.transaction(f.handle) { tx in try await tx.query("UPDATE trading_accounts SET currency = 'ZZZ' WHERE id = \(opened.account.id)") }
            let before = corruptCount("currency", f.s)
            // MUT
            let error = await #expect(throws: CorruptValue.self) { _ = try await f.trading.accounts(tenant: f.handle, user: f.client.id) }
            // validate
            #expect(error == CorruptValue(kind: "currency", table: "trading_accounts", id: opened.account.id.uuidString.lowercased(), value: "ZZZ"))
            #expect(corruptCount("currency", f.s) >= before + 1)  // process-wide counter: parallel suites count too
        }
    }

    @Test("an unknown access level is an error, not `enabled`")
    func unknownAccess() async throws {
        try await TradeFixture.with("cvacc") { f in
            // setup: a value a newer build might write
            let opened = try await f.open()
            try await f.s.tenantDB.transaction(f.handle) { tx in
                try await tx.query("ALTER TABLE trading_accounts DROP CONSTRAINT trading_accounts_access_check")
                try await tx.query("UPDATE trading_accounts SET access = 'frozen' WHERE id = \(opened.account.id)")
            }
            // MUT
            let error = await #expect(throws: CorruptValue.self) { _ = try await f.trading.account(tenant: f.handle, id: opened.account.id) }
            // validate
            #expect(error?.kind == "access_level")
            #expect(error?.value == "frozen")
            #expect(error?.id == opened.account.id.uuidString.lowercased())
        }
    }

    @Test("a payment with an unknown currency fails the client's history, naming the payment, instead of vanishing from it")
    func unknownPaymentCurrency() async throws {
        try await TradeFixture.with("cvpay") { f in
            // setup
            let id = try await f.s.tenantDB.transaction(f.handle) { tx in
                try await tx.query("""
                    INSERT INTO payments (kind, user_id, psp_id, psp_type, currency, amount, status, reference, idempotency_key)
                    VALUES ('deposit', \(f.client.id), 'card', 'stripe', 'ZZZ', 1000, 'pending', 'cv-ref', 'cv-key') RETURNING id
                    """).collect().first!.decode(UUID.self)
            }
            // MUT
            let error = await #expect(throws: CorruptValue.self) { _ = try await f.s.payments.history(tenant: f.handle, user: f.client.id) }
            // validate
            #expect(error == CorruptValue(kind: "currency", table: "payments", id: id.uuidString.lowercased(), value: "ZZZ"))
        }
    }

    @Test("a payment with a status this build does not know fails the Back Office list instead of being filtered out")
    func unknownPaymentStatus() async throws {
        try await TradeFixture.with("cvstat") { f in
            // setup: a status a newer build might write
            let id = try await f.s.tenantDB.transaction(f.handle) { tx in
                try await tx.query("ALTER TABLE payments DROP CONSTRAINT payments_status_check")
                return try await tx.query("""
                    INSERT INTO payments (kind, user_id, psp_id, psp_type, currency, amount, status, reference, idempotency_key)
                    VALUES ('deposit', \(f.client.id), 'card', 'stripe', 'USD', 1000, 'disputed', 'cv-stat', 'cv-stat') RETURNING id
                    """).collect().first!.decode(UUID.self)
            }
            // MUT
            let error = await #expect(throws: CorruptValue.self) { _ = try await f.s.payments.list(tenant: f.handle, kind: .deposit) }
            // validate
            #expect(error == CorruptValue(kind: "payment_status", table: "payments", id: id.uuidString.lowercased(), value: "disputed"))
            #expect(try await f.s.payments.list(tenant: f.handle, kind: .deposit, statuses: [.pending]).isEmpty)
        }
    }

    @Test("a job whose payload does not decode goes to failed with the reason, not done")
    func malformedPayload() async throws {
        try await TestEnv.with("cvjob") { s in
            // setup
            _ = try await PortalTests.applyDemoBrands(s)
            let aurora = try #require(try await s.registry.tenant(slug: "aurora"))
            try await s.jobs.enqueue(JobRequest(kind: PaymentJobs.payout, payload: #"{"payment":42}"#), tenant: aurora.handle.id)
            let before = corruptCount("job_payload", s)
            // MUT
            let worker = try #require(backgroundServices(s).compactMap { $0 as? JobWorker }.first)
            while try await worker.runOnce() {}
            // validate
            let (done, failed, attempts, reason) = try await s.database.platform { conn in
                try await conn.query("SELECT done_at IS NOT NULL, failed_at IS NOT NULL, attempts, last_error FROM platform.jobs WHERE kind = \(PaymentJobs.payout)",
                                     logger: s.logger).collect().first!.decode((Bool, Bool, Int, String?).self)
            }
            #expect(done == false)
            #expect(failed == true)
            #expect(attempts == 1)
            #expect(reason?.hasPrefix("payload does not decode as PaymentPayload") == true)
            #expect(corruptCount("job_payload", s) >= before + 1)  // process-wide counter: parallel suites count too
        }
    }

    @Test("a brand whose config does not decode stays listed as config_invalid, in the registry, /ready and its jobs")
    func invalidConfig() async throws {
        try await TestEnv.with("cvreg") { s in
            // setup
            _ = try await PortalTests.applyDemoBrands(s)
            let before = corruptCount("tenant_config", s)
            try await s.database.platform { conn in
                try await conn.query("UPDATE platform.tenants SET config = '{\"slug\": 5}'::jsonb WHERE slug = 'kite'", logger: s.logger)
            }
            s.registry.invalidate()
            // MUT
            let kite = try #require(try await s.registry.tenant(slug: "kite"))
            let ready = try await withLiveServer(s) { port in try await RawHTTP.send("http://127.0.0.1:\(port)/ready", method: .GET) }
            try await s.jobs.enqueue(JobRequest(kind: PaymentJobs.expire, payload: #"{"payment":"\#(UUID().uuidString)"}"#), tenant: kite.handle.id)
            let worker = try #require(backgroundServices(s).compactMap { $0 as? JobWorker }.first)
            while try await worker.runOnce() {}
            // validate
            #expect(kite.status == "config_invalid")
            #expect(kite.storedStatus == "active")
            #expect(kite.isActive == false)
            #expect(kite.configProblem != nil)
            #expect(try await s.registry.all().map(\.handle.slug) == ["aurora", "kite", "meridian"])
            #expect(ready.status == 200)
            #expect(ready.body == "ready\nconfig_invalid: kite\n")
            #expect(corruptCount("tenant_config", s) >= before + 1)
            let (done, reason) = try await s.database.platform { conn in
                try await conn.query("SELECT done_at IS NOT NULL, last_error FROM platform.jobs WHERE kind = \(PaymentJobs.expire)", logger: s.logger)
                    .collect().first!.decode((Bool, String?).self)
            }
            #expect(done == false)
            #expect(reason == "tenant \(kite.handle.id.uuidString.lowercased()) is not in the registry or its brand config is invalid")
        }
    }
}
