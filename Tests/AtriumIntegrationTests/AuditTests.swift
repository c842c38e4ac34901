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
                            _ = try await AuditLog.append(AuditEntry(actor: "test", action: "test.\(i)", subject: "s"), in: tx)
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
}
