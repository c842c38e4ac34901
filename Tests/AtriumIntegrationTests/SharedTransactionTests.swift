import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import Foundation
import PostgresNIO
import Testing

/// `TenantDB.sharing`: the calls a read-only page makes join one tenant transaction; a failed call
/// does not poison the ones after it, and what it wrote does not commit.
@Suite("One tenant transaction per request", .serialized, .timeLimit(.minutes(3)))
struct SharedTransactionTests {
    /// The id of the transaction `transaction(tenant)` runs in, and the role it runs as.
    static func current(_ db: TenantDB, _ tenant: TenantHandle) async throws -> (txid: Int64, role: String) {
        try await db.transaction(tenant) { tx in
            for try await row in try await tx.query("SELECT txid_current(), current_user::text").decode((Int64, String).self) { return row }
            throw SharedTransactionTestError.noRow
        }
    }

    static func userExists(_ db: TenantDB, _ tenant: TenantHandle, email: String) async throws -> Bool {
        try await db.transaction(tenant) { tx in try await Users.find(audience: .trader, email: email, in: tx) != nil }
    }

    @Test("calls inside sharing run in one transaction of the tenant's role; outside, each call has its own")
    func joins() async throws {
        try await TestEnv.with("sharedtx") { s in
            // setup
            let t = try await s.makeTenant("sh")
            let db = s.tenantDB
            // MUT
            let (first, second, written) = try await db.sharing(t.handle) {
                let first = try await Self.current(db, t.handle)
                let written = try await db.transaction(t.handle) { tx in
                    try await Users.create(audience: .trader, email: "joined@sh.test", name: "Joined", passwordHash: nil, in: tx)
                }
                return (first, try await Self.current(db, t.handle), written)
            }
            let (a, b) = (try await Self.current(db, t.handle), try await Self.current(db, t.handle))
            // check
            #expect(first.txid == second.txid)
            #expect(first.role == t.handle.role.name)
            #expect(written != nil)
            #expect(try await Self.userExists(db, t.handle, email: "joined@sh.test"))
            #expect(a.txid != b.txid)
            #expect(a.txid != first.txid)
        }
    }

    @Test("a failed call inside sharing: later calls get their own transaction and the shared writes roll back")
    func failedCall() async throws {
        try await TestEnv.with("sharedtxfail") { s in
            // setup
            let t = try await s.makeTenant("sf")
            let db = s.tenantDB
            // MUT: a write, then a statement PostgreSQL rejects (the transaction is aborted), caught by the page
            let (shared, after, divideFailed) = try await db.sharing(t.handle) {
                let shared = try await Self.current(db, t.handle)
                try await db.transaction(t.handle) { tx in
                    _ = try await Users.create(audience: .trader, email: "lost@sf.test", name: "Lost", passwordHash: nil, in: tx)
                }
                var divideFailed = false
                do {
                    try await db.transaction(t.handle) { tx in try await tx.query("SELECT 1 / 0") }
                } catch {
                    divideFailed = (error as? PSQLError)?.serverInfo?[.sqlState] == "22012"
                }
                return (shared, try await Self.current(db, t.handle), divideFailed)
            }
            // check
            #expect(divideFailed)
            #expect(after.txid != shared.txid)
            #expect(after.role == t.handle.role.name)
            #expect(try await Self.userExists(db, t.handle, email: "lost@sf.test") == false)
        }
    }

    @Test("another tenant inside sharing gets its own transaction in its own role")
    func otherTenant() async throws {
        try await TestEnv.with("sharedtxother") { s in
            // setup
            let a = try await s.makeTenant("sa")
            let b = try await s.makeTenant("sb")
            let db = s.tenantDB
            // MUT
            let (inA, inB) = try await db.sharing(a.handle) { (try await Self.current(db, a.handle), try await Self.current(db, b.handle)) }
            // check
            #expect(inA.role == a.handle.role.name)
            #expect(inB.role == b.handle.role.name)
            #expect(inA.txid != inB.txid)
        }
    }
}

enum SharedTransactionTestError: Error {
    case noRow
}
