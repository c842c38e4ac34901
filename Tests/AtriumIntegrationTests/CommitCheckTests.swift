import AtriumStorage
import Foundation
import PostgresNIO
import Testing

/// PostgreSQL answers COMMIT with ROLLBACK, and no error, when a statement of the transaction failed.
/// A statement whose rows are never read loses its error (PostgresNIO returns the rows once their
/// description arrives), so the transaction helpers check what COMMIT answered.
@Suite("A failed statement whose rows were not read", .timeLimit(.minutes(3)))
struct CommitCheckTests {
    @Test("fails the tenant transaction: nothing is committed and the caller gets transactionAborted")
    func tenantTransaction() async throws {
        try await TestEnv.with("commitcheck") { s in
            let t = try await s.makeTenant("cc")
            // MUT: a write, then a statement that fails on its second row, its rows never read
            let error = await #expect(throws: StorageError.self) {
                try await s.tenantDB.transaction(t.handle) { tx in
                    try await tx.query("UPDATE users SET name = 'changed' WHERE audience = 'staff'")
                    try await tx.query("SELECT x FROM generate_series(1, 3) x WHERE 1 / (x - 2) > 0")
                }
            }
            // validate
            #expect(error == .transactionAborted)
            let changed = try await s.tenantDB.transaction(t.handle) { tx in
                try await tx.query("SELECT count(*) FROM users WHERE name = 'changed'").collect().first?.decode(Int.self)
            }
            #expect(changed == 0)
        }
    }

    @Test("fails the platform transaction the same way")
    func platformTransaction() async throws {
        try await TestEnv.with("commitcheckp") { s in
            let error = await #expect(throws: StorageError.self) {
                try await s.database.platform { conn in
                    _ = try await conn.query("SELECT x FROM generate_series(1, 3) x WHERE 1 / (x - 2) > 0", logger: s.logger)
                }
            }
            #expect(error == .transactionAborted)
        }
    }
}
