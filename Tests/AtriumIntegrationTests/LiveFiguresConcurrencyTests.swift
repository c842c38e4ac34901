import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumTrading
import Foundation
import Testing

/// `/accounts` writes the figures the platform reported back onto the account rows. Two views of
/// one trader at once used to lock the rows in whatever order the join produced and deadlock
/// (SQLSTATE 40P01, a 500 to one of them): the rows are now locked in id order.
@Suite("Live figures written back concurrently", .serialized, .timeLimit(.minutes(3)))
struct LiveFiguresConcurrencyTests {
    @Test("16 concurrent write-backs of the same six accounts in shuffled order: no deadlock, the last figures stored")
    func noDeadlock() async throws {
        try await TestEnv.with("livefigures") { s in
            // setup: one trader with six trading accounts
            let t = try await s.makeTenant("lf")
            let accounts: [UUID] = try await s.tenantDB.transaction(t.handle) { tx in
                let user = try #require(try await Users.create(audience: .trader, email: "figures@lf.test", name: "Figures", passwordHash: nil, in: tx))
                var ids: [UUID] = []
                for i in 0..<6 {
                    for try await id in try await tx.query("""
                        INSERT INTO trading_accounts (user_id, connection_id, login, kind, account_type, platform_group, currency, leverage, idempotency_key)
                        VALUES (\(user), 'mt5', \(String(70_000 + i)), 'live', 'standard', 'real-standard', 'USD', 100, \("key-\(i)"))
                        RETURNING id
                        """).decode(UUID.self) { ids.append(id) }
                }
                return ids
            }
            #expect(accounts.count == 6)
            // MUT: 16 tasks × 15 write-backs each, every one in its own shuffled order
            let failures = try await withThrowingTaskGroup(of: Int.self) { group in
                for worker in 0..<16 {
                    group.addTask {
                        var failed = 0
                        for round in 0..<15 {
                            let states = accounts.shuffled().map { id in
                                (id, AccountState(balance: Int64(worker * 100 + round), credit: 0, equity: 1_000, margin: 0, freeMargin: 1_000, marginLevelBasisPoints: nil))
                            }
                            do { try await s.trading.remember(tenant: t.handle, states) } catch { failed += 1 }
                        }
                        return failed
                    }
                }
                return try await group.reduce(0, +)
            }
            // check
            #expect(failures == 0)
            let stored = try await s.tenantDB.transaction(t.handle) { tx in
                try await tx.query("SELECT count(*) FROM trading_accounts WHERE state_at IS NOT NULL AND last_equity = 1000").collect().first?.decode(Int64.self)
            }
            #expect(stored == 6)
        }
    }
}
