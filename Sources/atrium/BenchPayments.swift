import ArgumentParser
import AtriumCore
import AtriumHTTP
import AtriumLedger
import AtriumPayments
import AtriumStorage
import AtriumTenancy
import Foundation
import PostgresNIO
import Synchronization

/// `atrium bench-ledger --tenant aurora`: transfers per second through `Ledger.transfer` (the
/// `ledger_transfer()` function with every invariant on) from concurrent workers, each transfer in
/// its own tenant transaction. Also creates the plain tables the pgbench comparison writes to.
struct BenchLedger: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-ledger", abstract: "Measure ledger transfers per second (ops/bench/ledger).")
    @Option var tenant: String = "aurora"
    @Option var accounts: Int = 1000
    @Option var workers: Int = 8
    @Option var seconds: Int = 10

    func run() async throws {
        try await Runtime.guarded {
            try await Runtime.run { s in
                guard let record = try await s.registry.tenant(slug: tenant) else { throw CLIError(description: "unknown tenant \(tenant)") }
                let handle = record.handle
                let usd = Currency("USD")!
                // Wallets funded from one house account, and the pgbench tables with the same rows.
                let wallets: [LedgerAccount] = try await s.tenantDB.transaction(handle) { tx in
                    let source = try await Ledger.house(.adjustments, "bench", currency: usd, in: tx)
                    var out: [LedgerAccount] = []
                    for i in 0..<accounts {
                        let w = try await Ledger.account(code: "wallet:bench\(i):USD", kind: .wallet, currency: usd, in: tx)
                        if w.balance < 1_000_000_000 {
                            try await Ledger.transfer(id: UUID(), debit: source, credit: w, amount: 1_000_000_000, code: "bench-fund", in: tx)
                        }
                        out.append(w)
                    }
                    try await tx.query("CREATE TABLE IF NOT EXISTS bench_min_accounts (id bigint PRIMARY KEY, debits bigint NOT NULL, credits bigint NOT NULL)")
                    try await tx.query("CREATE TABLE IF NOT EXISTS bench_min_transfers (id uuid PRIMARY KEY, debit bigint NOT NULL, credit bigint NOT NULL, amount bigint NOT NULL)")
                    try await tx.query("TRUNCATE bench_min_transfers")
                    try await tx.query("INSERT INTO bench_min_accounts SELECT g, 0, 0 FROM generate_series(1, \(accounts)) g ON CONFLICT DO NOTHING")
                    return out
                }
                let done = BenchCounter()
                let failed = BenchCounter()
                let deadline = ContinuousClock.now + .seconds(seconds)
                let started = ContinuousClock.now
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<workers {
                        group.addTask {
                            var rng = SystemRandomNumberGenerator()
                            while ContinuousClock.now < deadline {
                                let a = Int.random(in: 0..<wallets.count, using: &rng)
                                var b = Int.random(in: 0..<(wallets.count - 1), using: &rng)
                                if b >= a { b += 1 }
                                do {
                                    try await s.tenantDB.transaction(handle) { tx in
                                        try await Ledger.transfer(id: UUID(), debit: wallets[a], credit: wallets[b], amount: 1, code: "bench", in: tx)
                                    }
                                    done.add()
                                } catch {
                                    failed.add()
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let elapsed = ContinuousClock.now - started
                let secs = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                let count = done.value
                let verifyStart = ContinuousClock.now
                let problems = try await s.tenantDB.transaction(handle) { tx in try await Ledger.verify(in: tx) }
                let verifyTime = ContinuousClock.now - verifyStart
                say("transfers=\(count) failed=\(failed.value) seconds=\(String(format: "%.2f", secs)) tps=\(String(format: "%.1f", Double(count) / secs))")
                say("verify_problems=\(problems.count) verify_ms=\(verifyTime.components.seconds * 1000 + verifyTime.components.attoseconds / 1_000_000_000_000_000)")
                say("role=\(handle.role.name) schema=\(handle.schema.name) accounts=\(accounts)")
                for p in problems.prefix(5) { say("problem: \(p)") }
                if !problems.isEmpty { throw CLIError(description: "ledger verify found \(problems.count) problem(s)") }
            }
        }
    }
}

/// `atrium bench-callbacks --tenant aurora`: signed PSP callbacks stored, verified and applied
/// (inbox row, state change, ledger credit, audit) per second, from concurrent senders.
struct BenchCallbacks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-callbacks", abstract: "Measure PSP callback processing per second (ops/bench/callbacks).")
    @Option var tenant: String = "aurora"
    @Option var count: Int = 2000
    @Option var workers: Int = 8

    func run() async throws {
        try await Runtime.guarded {
            try await Runtime.run { s in
                guard let record = try await s.registry.tenant(slug: tenant), let brand = record.config else { throw CLIError(description: "unknown tenant \(tenant)") }
                guard let psp = s.payments.psps(brand).first(where: { $0.type == "sandbox" && $0.isConfigured }), let secret = psp.webhookSecret else {
                    throw CLIError(description: "\(tenant) has no configured sandbox PSP")
                }
                let handle = record.handle
                let run = Token.random(bytes: 6).uppercased().filter { $0.isLetter || $0.isNumber }
                // Deposits waiting for their callback, spread over 100 clients.
                try await s.tenantDB.transaction(handle) { tx in
                    try await tx.query("""
                        INSERT INTO users (audience, email, name, country)
                        SELECT 'trader', 'bench' || g || '@bench.test', 'Bench ' || g, 'GB' FROM generate_series(1, 100) g
                        ON CONFLICT DO NOTHING
                        """)
                    try await tx.query("""
                        INSERT INTO payments (kind, user_id, psp_id, psp_type, currency, amount, status, reference, idempotency_key)
                        SELECT 'deposit', u.id, \(psp.id), 'sandbox', 'USD', 1000 + g, 'created', \(run) || '-' || g, \(run) || '-' || g
                        FROM generate_series(1, \(count)) g JOIN LATERAL (SELECT id FROM users WHERE email = 'bench' || (g % 100 + 1) || '@bench.test'
                             AND audience = 'trader') u ON true
                        """)
                }
                let bodies: [[UInt8]] = try (1...count).map { g in
                    Array(try CanonicalJSON.text(BenchCheckoutEvent(id: "evt_\(run)_\(g)", amount: 1000 + g, reference: "\(run)-\(g)")).utf8)
                }
                let next = BenchCounter()
                let started = ContinuousClock.now
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<workers {
                        group.addTask {
                            while true {
                                let i = next.add() - 1
                                guard i < bodies.count else { return }
                                let header = StripeSignature.header(secret: secret, timestamp: Int(Date().timeIntervalSince1970), body: bodies[i])
                                let receipt = try await s.payments.receiveCallback(tenant: handle, brand: brand, pspID: psp.id,
                                                                                   headers: ["stripe-signature": header], body: bodies[i])
                                guard case .accepted(let inbox) = receipt else { throw CLIError(description: "callback \(i) not accepted: \(receipt)") }
                                try await s.payments.processInbox(tenant: handle, brand: brand, inboxID: inbox)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let elapsed = ContinuousClock.now - started
                let secs = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                let (credited, problems) = try await s.tenantDB.transaction(handle) { tx in
                    (try await tx.query("SELECT count(*)::int FROM payments WHERE reference LIKE \(run + "-%") AND status = 'succeeded'").collect().first?.decode(Int.self) ?? 0,
                     try await Ledger.verify(in: tx))
                }
                say("callbacks=\(count) credited=\(credited) seconds=\(String(format: "%.2f", secs)) per_second=\(String(format: "%.1f", Double(count) / secs))")
                say("verify_problems=\(problems.count)")
                if credited != count || !problems.isEmpty { throw CLIError(description: "expected \(count) credited deposits and a consistent ledger") }
            }
        }
    }
}

/// A counter shared by benchmark workers.
final class BenchCounter: Sendable {
    let atomic = Atomic<Int>(0)
    /// Adds one and returns the new value.
    @discardableResult
    func add() -> Int { atomic.add(1, ordering: .relaxed).newValue }
    var value: Int { atomic.load(ordering: .relaxed) }
}

/// A paid `checkout.session.completed` event, as the sandbox PSP would send it.
struct BenchCheckoutEvent: Encodable {
    struct Session: Encodable {
        let amountTotal: Int
        let currency: String
        let clientReferenceID: String
        let paymentStatus = "paid"
        enum CodingKeys: String, CodingKey {
            case amountTotal = "amount_total", currency, clientReferenceID = "client_reference_id", paymentStatus = "payment_status"
        }
    }

    struct Payload: Encodable { let object: Session }

    let id: String
    let type = "checkout.session.completed"
    let data: Payload

    /// `currency`: ISO code; Stripe writes it in lowercase.
    init(id: String, amount: Int, reference: String, currency: String = "usd") {
        self.id = id
        self.data = Payload(object: Session(amountTotal: amount, currency: currency.lowercased(), clientReferenceID: reference))
    }
}
