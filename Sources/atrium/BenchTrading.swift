import ArgumentParser
import AsyncHTTPClient
import AtriumCore
import AtriumHTTP
import AtriumLedger
import AtriumStorage
import AtriumTenancy
import AtriumTrading
import Foundation
import NIOCore
import PostgresNIO

/// `atrium bench-trading --mode sync|saga`: deals ingested per second by sync from the sandbox
/// trading server, or wallet -> account transfers per second through the saga (ledger hold,
/// platform balance operation over HTTP, post). Needs `atrium sandbox-platform` running at
/// ATRIUM_SANDBOX_PLATFORM_URL (ops/bench/trading starts one).
struct BenchTrading: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-trading", abstract: "Measure trading sync and transfer saga throughput (ops/bench/trading).")
    @Option var tenant: String = "aurora"
    @Option(help: "sync or saga") var mode: String = "sync"
    @Option(help: "Closed trades the sandbox generates for the sync run.") var deals: Int = 50_000
    @Option(help: "Concurrent clients for the saga run, each with its own account.") var workers: Int = 8
    @Option(help: "Seconds the saga run lasts.") var seconds: Int = 10

    func run() async throws {
        try await Runtime.guarded {
            try await Runtime.run { s in
                guard let record = try await s.registry.tenant(slug: tenant), let brand = record.config,
                      let connection = brand.platforms?.first(where: { $0.type != "matchtrader" }), let type = connection.accountTypes?.first,
                      let currency = Currency(type.currency) else {
                    throw CLIError(description: "\(tenant) has no MT5 platform connection with an account type")
                }
                let run = Token.random(bytes: 5).lowercased().filter { $0.isLetter || $0.isNumber }
                func trader(_ i: Int) async throws -> TradingClient {
                    let id = try await s.tenantDB.transaction(record.handle) { tx in
                        let rows = try await tx.query("""
                            INSERT INTO users (audience, email, name, country, kyc_status, kyc_approved_at)
                            VALUES ('trader', \("bench-\(run)-\(i)@bench.test"), 'Bench Trader', 'GB', 'approved', now()) RETURNING id
                            """).collect()
                        let id = try rows[0].decode(UUID.self)
                        try await Ledger.transfer(id: UUID(), debit: try await Ledger.house(.adjustments, "bench", currency: currency, in: tx),
                                                  credit: try await Ledger.wallet(user: id, currency: currency, in: tx), amount: 1_000_000_000, code: "bench-fund", in: tx)
                        return id
                    }
                    return TradingClient(id: id, email: "bench-\(run)-\(i)@bench.test", name: "Bench Trader", kycApproved: true)
                }
                func open(_ client: TradingClient) async throws -> TradingAccountRecord {
                    try await s.trading.openAccount(tenant: record.handle, brand: brand, client: client, connectionID: connection.id, accountTypeID: type.id,
                                                    live: true, leverage: type.leverages[0], idempotencyKey: run).account
                }
                switch mode {
                case "sync":
                    let client = try await trader(0)
                    let account = try await open(client)
                    _ = try await s.trading.transfer(tenant: record.handle, brand: brand, client: client, accountID: account.id,
                                                     direction: .toAccount, amount: 100_000_000, idempotencyKey: run)
                    let generateStart = ContinuousClock.now
                    try await Self.control(s.trading.directory.sandboxURL, "generate-deals", try CanonicalJSON.object(["login": account.login, "count": deals]))
                    let generated = ContinuousClock.now - generateStart
                    // A first pass ingests everything that is there; later passes find nothing new.
                    let started = ContinuousClock.now
                    var total = 0
                    var pages = 0
                    while true {
                        let pass = try await s.trading.syncOnce(tenant: record.handle, brand: brand, connectionID: connection.id, stateBatch: 0)
                        total += pass.deals
                        pages += pass.pages
                        if pass.caughtUp { break }
                    }
                    let secs = Self.seconds(ContinuousClock.now - started)
                    let stored = try await s.tenantDB.transaction(record.handle) { tx in
                        try await tx.query("SELECT count(*)::int FROM trading_deals WHERE account_id = \(account.id)").collect().first?.decode(Int.self) ?? 0
                    }
                    say("deals=\(total) stored=\(stored) pages=\(pages) seconds=\(String(format: "%.2f", secs)) per_second=\(String(format: "%.0f", Double(total) / secs)) generate_seconds=\(String(format: "%.2f", Self.seconds(generated)))")
                    if stored < deals { throw CLIError(description: "only \(stored) of \(deals) deals stored") }
                case "saga":
                    var accounts: [(TradingClient, TradingAccountRecord)] = []
                    for i in 0..<workers {
                        let c = try await trader(i)
                        accounts.append((c, try await open(c)))
                    }
                    let done = BenchCounter(), failed = BenchCounter()
                    let deadline = ContinuousClock.now + .seconds(seconds)
                    let started = ContinuousClock.now
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for (client, account) in accounts {
                            group.addTask {
                                var n = 0
                                while ContinuousClock.now < deadline {
                                    n += 1
                                    let t = try await s.trading.transfer(tenant: record.handle, brand: brand, client: client, accountID: account.id,
                                                                         direction: n % 4 == 0 ? .toWallet : .toAccount, amount: 100, idempotencyKey: "\(run)-\(n)")
                                    if t.state == .posted { done.add() } else { failed.add() }
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                    let secs = Self.seconds(ContinuousClock.now - started)
                    let problems = try await s.tenantDB.transaction(record.handle) { tx in try await Ledger.verify(in: tx) }
                    let report = try await s.trading.reconcile(tenant: record.handle, brand: brand)
                    say("transfers=\(done.value) failed=\(failed.value) seconds=\(String(format: "%.2f", secs)) per_second=\(String(format: "%.1f", Double(done.value) / secs)) verify_problems=\(problems.count) reconciliation_differences=\(report.differences.count) accounts=\(report.accounts)")
                    if !problems.isEmpty || !report.differences.isEmpty { throw CLIError(description: "ledger or reconciliation found differences") }
                default:
                    throw CLIError(description: "--mode: expected sync or saga, got \(mode)")
                }
            }
        }
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

    static func control(_ base: String, _ path: String, _ json: String) async throws {
        var request = HTTPClientRequest(url: base + "/control/" + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(600))
        guard response.status == .ok else { throw CLIError(description: "sandbox /control/\(path): HTTP \(response.status.code)") }
    }
}
