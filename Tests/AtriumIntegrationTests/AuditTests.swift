import AtriumCore
import AtriumHTTP
import AtriumStorage
import AtriumTenancy
import Foundation
import PostgresNIO
import Testing

@Suite("Audit log", .timeLimit(.minutes(3)))
struct AuditTests {
    @Test("provisioning and logins write to the chain, and verify detects tampering")
    func tamperingIsDetected() async throws {
        try await TestEnv.with("audit") { s in
            // setup
            let t = try await s.makeTenant("aud")
            _ = try await s.tenantDB.transaction(t.handle) { tx in
                try await s.authenticator.login(email: "admin@\(t.handle.slug).test", password: "admin-test-pass", audience: .staff, ip: "10.0.0.1",
                                                userAgent: "test", replacing: nil, requestID: "req-1", in: tx)
            }
            let (actions, intact) = try await s.tenantDB.transaction(t.handle) { tx in
                (try await AuditLog.recent(limit: 10, in: tx).map(\.action), try await AuditLog.verify(in: tx))
            }
            #expect(actions == ["login.succeeded", "tenant.created"])
            #expect(intact == nil)
            // MUT: rewrite history as a superuser would, bypassing the append-only trigger
            let dbName = try DatabaseURL(parsing: try #require(s.config.databaseURL)).database
            let su = PostgresClient(configuration: try await TestCluster.shared.superuserURL(database: dbName).clientConfiguration(poolSize: 1))
            try await su.runScoped {
                let table = "\(t.handle.schema.quoted).audit_log"
                try await su.query(PostgresQuery(unsafeSQL: "ALTER TABLE \(table) DISABLE TRIGGER USER"))
                try await su.query(PostgresQuery(unsafeSQL: "UPDATE \(table) SET actor = 'someone-else' WHERE seq = 1"))
                try await su.query(PostgresQuery(unsafeSQL: "ALTER TABLE \(table) ENABLE TRIGGER USER"))
            }
            // validate
            let broken = try await s.tenantDB.transaction(t.handle) { tx in try await AuditLog.verify(in: tx) }
            #expect(broken == 1)
        }
    }

    @Test("the audit log refuses updates and deletes")
    func appendOnly() async throws {
        try await TestEnv.with("auditro") { s in
            let t = try await s.makeTenant("ro")
            // The trigger refuses, not a missing privilege or a typo: RAISE EXCEPTION is SQLSTATE P0001.
            for statement: PostgresQuery in ["DELETE FROM audit_log", "UPDATE audit_log SET actor = 'someone-else'", "TRUNCATE audit_log"] {
                let error = await #expect(throws: PSQLError.self) {
                    try await s.tenantDB.transaction(t.handle) { tx in try await tx.query(statement) }
                }
                #expect(error?.serverInfo?[.sqlState] == "P0001", "\(statement.sql)")
                #expect(error?.serverInfo?[.message] == "audit_log is append-only", "\(statement.sql)")
            }
            let count = try await s.tenantDB.transaction(t.handle) { tx in
                try await tx.query("SELECT count(*) FROM audit_log").collect().first?.decode(Int.self)
            }
            #expect(count == 1)
        }
    }

    @Test("concurrent appends keep one unbroken chain")
    func concurrentAppends() async throws {
        try await TestEnv.with("auditcc") { s in
            let t = try await s.makeTenant("cc")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<40 {
                    group.addTask { () async throws -> Void in
                        try await s.tenantDB.transaction(t.handle) { tx in
                            try await AuditLog.append(AuditEntry(actor: "test", action: "test.\(i)", subject: "s"), in: tx)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let (count, broken) = try await s.tenantDB.transaction(t.handle) { tx in
                (try await tx.query("SELECT count(*) FROM audit_log").collect().first?.decode(Int.self), try await AuditLog.verify(in: tx))
            }
            #expect(count == 41)
            #expect(broken == nil)
        }
    }

    /// The soak found 23 × 500 in 10 minutes from this: a transaction that appended to the audit
    /// log early held the log's lock while it waited for a row, and the transaction holding that
    /// row then wanted the audit lock (SQLSTATE 40P01). The chain is now built at COMMIT.
    @Test("a transaction that audits and then waits for a row does not deadlock with the row's holder auditing")
    func auditThenRowDoesNotDeadlock() async throws {
        try await TestEnv.with("auditdl") { s in
            // setup: one row both transactions want
            let t = try await s.makeTenant("dl")
            let user: UUID = try await s.tenantDB.transaction(t.handle) { tx in
                try #require(try await tx.query("SELECT id FROM users LIMIT 1").collect().first?.decode(UUID.self))
            }
            let (rowLocked, rowLockedSignal) = AsyncStream<Void>.makeStream()
            let (audited, auditedSignal) = AsyncStream<Void>.makeStream()
            // MUT: A locks the row, then audits; B audits, then wants the row
            async let a: Void = s.tenantDB.transaction(t.handle) { tx in
                try await tx.query("SELECT id FROM users WHERE id = \(user) FOR UPDATE")
                rowLockedSignal.yield()
                for await _ in audited { break }
                try await AuditLog.append(AuditEntry(actor: "test", action: "test.a", subject: "row"), in: tx)
            }
            async let b: Void = s.tenantDB.transaction(t.handle) { tx in
                for await _ in rowLocked { break }
                try await AuditLog.append(AuditEntry(actor: "test", action: "test.b", subject: "row"), in: tx)
                auditedSignal.yield()
                try await tx.query("SELECT id FROM users WHERE id = \(user) FOR UPDATE")
            }
            var outcomes: [String] = []
            do { try await a; outcomes.append("ok") } catch { outcomes.append(String(reflecting: error)) }
            do { try await b; outcomes.append("ok") } catch { outcomes.append(String(reflecting: error)) }
            // validate: both committed, in commit order (A released the row, so A first), chain intact
            #expect(outcomes == ["ok", "ok"])
            let (actions, broken, pending) = try await s.tenantDB.transaction(t.handle) { tx in
                (try await AuditLog.recent(limit: 2, in: tx).map(\.action), try await AuditLog.verify(in: tx),
                 try await tx.query("SELECT count(*) FROM audit_pending").collect().first?.decode(Int.self))
            }
            #expect(actions == ["test.b", "test.a"])
            #expect(broken == nil)
            #expect(pending == 0)
        }
    }

    @Test("an audit entry of a transaction that rolls back is not written, and later entries chain on")
    func rolledBackEntryIsNotWritten() async throws {
        try await TestEnv.with("auditrb") { s in
            let t = try await s.makeTenant("rb")
            struct Abort: Error {}
            // MUT: append, then fail the transaction
            await #expect(throws: Abort.self) {
                try await s.tenantDB.transaction(t.handle) { tx in
                    try await AuditLog.append(AuditEntry(actor: "test", action: "test.rolled_back", subject: "s"), in: tx)
                    throw Abort()
                }
            }
            try await s.tenantDB.transaction(t.handle) { tx in
                try await AuditLog.append(AuditEntry(actor: "test", action: "test.kept.1", subject: "s"), in: tx)
                try await AuditLog.append(AuditEntry(actor: "test", action: "test.kept.2", subject: "s"), in: tx)
            }
            // validate
            let (actions, seqs, broken) = try await s.tenantDB.transaction(t.handle) { tx in
                let recent = try await AuditLog.recent(limit: 3, in: tx)
                return (recent.map(\.action), recent.map(\.seq), try await AuditLog.verify(in: tx))
            }
            #expect(actions == ["test.kept.2", "test.kept.1", "tenant.created"])
            #expect(seqs == [3, 2, 1])
            #expect(broken == nil)
        }
    }
}
