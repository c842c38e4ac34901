import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumLedger
import AtriumStorage
import AtriumTenancy
import Foundation
import PostgresNIO
import Testing

/// Ledger fixtures: a tenant, a client with a USD wallet, and the sandbox PSP clearing account.
struct LedgerFixture: Sendable {
    let services: AppServices
    let tenant: TenantHandle
    let client: UUID

    static func make(_ s: AppServices, prefix: String = "led") async throws -> LedgerFixture {
        let t = try await s.makeTenant(prefix)
        let client = try await s.tenantDB.transaction(t.handle) { tx in
            try #require(try await Users.create(audience: .trader, email: "client@\(prefix).test", name: "Client", country: "GB", passwordHash: nil, in: tx))
        }
        return LedgerFixture(services: s, tenant: t.handle, client: client)
    }

    var usd: Currency { Currency("USD")! }

    @discardableResult
    func tx<R: Sendable>(_ body: (TenantTransaction) async throws -> R) async throws -> R {
        try await services.tenantDB.transaction(tenant, body)
    }

    /// Deposits `amount` cents into the client's USD wallet from the sandbox clearing account.
    func deposit(_ amount: Int64, id: UUID = UUID()) async throws -> TransferOutcome {
        try await tx { tx in
            let clearing = try await Ledger.house(.pspClearing, "sandbox", currency: usd, in: tx)
            let wallet = try await Ledger.wallet(user: client, currency: usd, in: tx)
            return try await Ledger.transfer(id: id, debit: clearing, credit: wallet, amount: amount, code: "deposit", in: tx)
        }
    }

    func wallet() async throws -> LedgerAccount {
        try await tx { tx in try await Ledger.wallet(user: client, currency: usd, in: tx) }
    }

    /// Fails the test if any ledger invariant is broken.
    func expectConsistent(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let problems = try await tx { tx in try await Ledger.verify(in: tx) }
        #expect(problems == [], sourceLocation: sourceLocation)
    }
}

@Suite("Ledger", .timeLimit(.minutes(3)))
struct LedgerTests {
    @Test("a deposit credits the wallet and debits clearing; the currency sums to zero")
    func depositBalances() async throws {
        try await TestEnv.with("ledger1") { s in
            let f = try await LedgerFixture.make(s)
            #expect(try await f.deposit(12_345) == .created)
            let (wallet, clearing) = try await f.tx { tx in
                (try await Ledger.wallet(user: f.client, currency: f.usd, in: tx), try await Ledger.house(.pspClearing, "sandbox", currency: f.usd, in: tx))
            }
            #expect(wallet.balance == 12_345)
            #expect(wallet.available == 12_345)
            #expect(clearing.debitsPosted == 12_345)
            #expect(clearing.balance == -12_345)
            try await f.expectConsistent()
        }
    }

    @Test("the same id with the same body is applied once; with another body it is a conflict")
    func idempotency() async throws {
        try await TestEnv.with("ledger2") { s in
            let f = try await LedgerFixture.make(s)
            let id = UUID()
            #expect(try await f.deposit(5_000, id: id) == .created)
            #expect(try await f.deposit(5_000, id: id) == .exists)
            await #expect(throws: LedgerError.idempotencyConflict) { _ = try await f.deposit(5_001, id: id) }
            #expect(try await f.wallet().balance == 5_000)
            let count = try await f.tx { tx in try await tx.query("SELECT count(*) FROM ledger_transfers").collect().first?.decode(Int.self) }
            #expect(count == 1)
            try await f.expectConsistent()
        }
    }

    @Test("twenty concurrent copies of one transfer move the money once")
    func concurrentDuplicates() async throws {
        try await TestEnv.with("ledger3") { s in
            let f = try await LedgerFixture.make(s)
            _ = try await f.wallet()
            let id = UUID()
            let outcomes = try await withThrowingTaskGroup(of: TransferOutcome.self) { group in
                for _ in 0..<20 { group.addTask { try await f.deposit(700, id: id) } }
                return try await group.reduce(into: [TransferOutcome]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == .created }.count == 1)
            #expect(outcomes.filter { $0 == .exists }.count == 19)
            #expect(try await f.wallet().balance == 700)
            try await f.expectConsistent()
        }
    }

    @Test("a wallet never goes below zero, and a refused transfer writes nothing")
    func noOverdraft() async throws {
        try await TestEnv.with("ledger4") { s in
            let f = try await LedgerFixture.make(s)
            _ = try await f.deposit(1_000)
            await #expect(throws: LedgerError.insufficientFunds) {
                try await f.tx { tx in
                    let wallet = try await Ledger.wallet(user: f.client, currency: f.usd, in: tx)
                    let out = try await Ledger.house(.withdrawalsPending, "all", currency: f.usd, in: tx)
                    try await Ledger.transfer(id: UUID(), debit: wallet, credit: out, amount: 1_001, code: "withdrawal", in: tx)
                }
            }
            #expect(try await f.wallet().balance == 1_000)
            await #expect(throws: LedgerError.invalidAmount) {
                try await f.tx { tx in
                    let wallet = try await Ledger.wallet(user: f.client, currency: f.usd, in: tx)
                    let out = try await Ledger.house(.withdrawalsPending, "all", currency: f.usd, in: tx)
                    try await Ledger.transfer(id: UUID(), debit: wallet, credit: out, amount: 0, code: "withdrawal", in: tx)
                }
            }
            await #expect(throws: LedgerError.currencyMismatch) {
                try await f.tx { tx in
                    let wallet = try await Ledger.wallet(user: f.client, currency: f.usd, in: tx)
                    let eur = try await Ledger.house(.withdrawalsPending, "all", currency: Currency("EUR")!, in: tx)
                    try await Ledger.transfer(id: UUID(), debit: wallet, credit: eur, amount: 10, code: "withdrawal", in: tx)
                }
            }
            try await f.expectConsistent()
        }
    }

    @Test("pending holds reduce the available balance and are posted or voided exactly once")
    func twoPhase() async throws {
        try await TestEnv.with("ledger5") { s in
            let f = try await LedgerFixture.make(s)
            _ = try await f.deposit(10_000)
            let hold = UUID(), hold2 = UUID()
            try await f.tx { tx in
                let wallet = try await Ledger.wallet(user: f.client, currency: f.usd, in: tx)
                let out = try await Ledger.house(.withdrawalsPending, "all", currency: f.usd, in: tx)
                try await Ledger.transfer(id: hold, kind: .pending, debit: wallet, credit: out, amount: 6_000, code: "withdrawal", in: tx)
            }
            var wallet = try await f.wallet()
            #expect(wallet.balance == 10_000)
            #expect(wallet.available == 4_000)
            // a second hold above what is available is refused
            await #expect(throws: LedgerError.insufficientFunds) {
                try await f.tx { tx in
                    let out = try await Ledger.house(.withdrawalsPending, "all", currency: f.usd, in: tx)
                    try await Ledger.transfer(id: hold2, kind: .pending, debit: wallet, credit: out, amount: 4_001, code: "withdrawal", in: tx)
                }
            }
            let postID = UUID()
            #expect(try await f.tx { tx in try await Ledger.post(pending: hold, id: postID, code: "withdrawal", in: tx) } == .created)
            #expect(try await f.tx { tx in try await Ledger.post(pending: hold, id: postID, code: "withdrawal", in: tx) } == .exists)
            await #expect(throws: LedgerError.alreadyResolved) {
                try await f.tx { tx in try await Ledger.void(pending: hold, id: UUID(), code: "withdrawal", in: tx) }
            }
            await #expect(throws: LedgerError.alreadyResolved) {
                try await f.tx { tx in try await Ledger.post(pending: hold, id: UUID(), code: "withdrawal", in: tx) }
            }
            wallet = try await f.wallet()
            #expect(wallet.balance == 4_000)
            #expect(wallet.available == 4_000)
            // a voided hold gives the money back
            try await f.tx { tx in
                let out = try await Ledger.house(.withdrawalsPending, "all", currency: f.usd, in: tx)
                try await Ledger.transfer(id: hold2, kind: .pending, debit: wallet, credit: out, amount: 1_500, code: "withdrawal", in: tx)
            }
            #expect(try await f.wallet().available == 2_500)
            try await f.tx { tx in try await Ledger.void(pending: hold2, id: UUID(), code: "withdrawal", in: tx) }
            wallet = try await f.wallet()
            #expect(wallet.balance == 4_000)
            #expect(wallet.available == 4_000)
            try await f.expectConsistent()
        }
    }

    @Test("concurrent holds larger than the balance together: exactly the ones that fit are accepted")
    func concurrentWithdrawals() async throws {
        try await TestEnv.with("ledger6") { s in
            let f = try await LedgerFixture.make(s)
            _ = try await f.deposit(10_000)
            let results = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        do {
                            try await f.tx { tx in
                                let wallet = try await Ledger.wallet(user: f.client, currency: f.usd, in: tx)
                                let out = try await Ledger.house(.withdrawalsPending, "all", currency: f.usd, in: tx)
                                try await Ledger.transfer(id: UUID(), kind: .pending, debit: wallet, credit: out, amount: 3_000, code: "withdrawal", in: tx)
                            }
                            return true
                        } catch LedgerError.insufficientFunds {
                            return false
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(results.filter { $0 }.count == 3)
            let wallet = try await f.wallet()
            #expect(wallet.available == 1_000)
            #expect(wallet.debitsPending == 9_000)
            try await f.expectConsistent()
        }
    }

    @Test("corrections are reversing entries; transfers cannot be edited or deleted")
    func reversalAndImmutability() async throws {
        try await TestEnv.with("ledger7") { s in
            let f = try await LedgerFixture.make(s)
            let id = UUID()
            _ = try await f.deposit(2_500, id: id)
            let reversal = UUID()
            #expect(try await f.tx { tx in try await Ledger.reverse(id, id: reversal, in: tx) } == .created)
            #expect(try await f.tx { tx in try await Ledger.reverse(id, id: reversal, in: tx) } == .exists)
            #expect(try await f.wallet().balance == 0)
            await #expect(throws: LedgerError.immutable) {
                try await f.tx { tx in
                    do { try await tx.query("UPDATE ledger_transfers SET amount = 1") } catch { throw LedgerErrorProbe.map(error) }
                }
            }
            await #expect(throws: LedgerError.immutable) {
                try await f.tx { tx in
                    do { try await tx.query("DELETE FROM ledger_transfers") } catch { throw LedgerErrorProbe.map(error) }
                }
            }
            let count = try await f.tx { tx in try await tx.query("SELECT count(*) FROM ledger_transfers").collect().first?.decode(Int.self) }
            #expect(count == 2)
            try await f.expectConsistent()
        }
    }

    @Test("a conversion is a pair of entries through the FX accounts at the recorded rate")
    func conversion() async throws {
        try await TestEnv.with("ledger8") { s in
            let f = try await LedgerFixture.make(s)
            _ = try await f.deposit(10_000)
            let eur = try #require(Currency("EUR"))
            let credited = try await f.tx { tx in
                let from = try await Ledger.wallet(user: f.client, currency: f.usd, in: tx)
                let to = try await Ledger.wallet(user: f.client, currency: eur, in: tx)
                return try await Ledger.convert(id: UUID(), from: from, to: to, amount: 10_000, rate: ExchangeRate("0.9213"), in: tx)
            }
            #expect(credited == 9_213)
            let (usdWallet, eurWallet, rates) = try await f.tx { tx in
                (try await Ledger.wallet(user: f.client, currency: f.usd, in: tx), try await Ledger.wallet(user: f.client, currency: eur, in: tx),
                 try await tx.query("SELECT rate::text FROM ledger_transfers WHERE code = 'fx' ORDER BY seq").collect().map { try $0.decode(String.self) })
            }
            #expect(usdWallet.balance == 0)
            #expect(eurWallet.balance == 9_213)
            #expect(rates == ["0.921300000000", "0.921300000000"])
            try await f.expectConsistent()
        }
    }

    @Test("verify reports balances that no longer match the entries")
    func verifyDetectsDrift() async throws {
        try await TestEnv.with("ledger9") { s in
            let f = try await LedgerFixture.make(s)
            _ = try await f.deposit(4_000)
            try await f.expectConsistent()
            // MUT: a direct balance edit that bypasses ledger_transfer()
            try await f.tx { tx in try await tx.query("UPDATE ledger_accounts SET credits_posted = credits_posted + 1 WHERE kind = 'wallet'") }
            let problems = try await f.tx { tx in try await Ledger.verify(in: tx) }
            #expect(problems.count == 2)
            #expect(problems.contains { $0.hasPrefix("account wallet:") && $0.contains("differ from its entries") })
            #expect(problems.contains { $0.hasPrefix("currency USD does not sum to zero") })
        }
    }
}

enum LedgerErrorProbe {
    static func map(_ error: any Error) -> any Error { error.sqlState == "AL009" ? LedgerError.immutable : error }
}
