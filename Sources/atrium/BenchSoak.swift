import ArgumentParser
import AsyncHTTPClient
import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumLedger
import AtriumPayments
import AtriumStorage
import AtriumTenancy
import Foundation
import NIOCore
import PostgresNIO

/// `atrium bench-soak`: the mixed load of ops/bench/soak, sent through the reverse proxy at `--base`
/// to the brands named in `--brands` for `--seconds`. Each worker repeats one trader's journey:
/// page views, registration, a sandbox-card deposit completed by a signed PSP callback, a live
/// trading account with transfers to it and back, a withdrawal approved in the Back Office by a
/// finance user, and brand API calls. Then it checks the API rate limit across servers and, per
/// brand, ledger_verify(), the audit chain and trading reconciliation. Prints `key=value` lines
/// for the script; the process exits 0 unless setup fails (the script judges the figures).
struct BenchSoak: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-soak", abstract: "Mixed load through the proxy for ops/bench/soak.")
    @Option(help: "The proxy's URL, e.g. http://127.0.0.1:8290.") var base: String
    @Option(help: "Comma-separated brand slugs.") var brands: String = "aurora,kite,meridian"
    @Option(help: "Seconds of load.") var seconds: Int = 600
    @Option(help: "Concurrent journeys per brand.") var workers: Int = 2

    func run() async throws {
        try await Runtime.guarded {
            try await Runtime.run { s in
                let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
                do {
                    try await Self.soak(s, http: http, base: base, slugs: brands.split(separator: ",").map(String.init), seconds: seconds, workers: workers)
                } catch {
                    try? await http.shutdown()
                    throw error
                }
                try await http.shutdown()
            }
        }
    }

    static func soak(_ s: AppServices, http: HTTPClient, base: String, slugs: [String], seconds: Int, workers: Int) async throws {
        let run = Token.random(bytes: 5).lowercased().filter { $0.isLetter || $0.isNumber }
        let runStart = Date()
        var setups: [SoakBrand] = []
        for slug in slugs { setups.append(try await SoakBrand.prepare(s, slug: slug, run: run, workers: workers)) }
        let brands = setups
        let recorder = SoakRecorder()
        let deadline = ContinuousClock.now + .seconds(seconds)
        say("soak: \(brands.count) brands, \(workers) workers each, \(seconds)s through \(base)")
        await withTaskGroup(of: Void.self) { group in
            for brand in brands {
                for w in 0..<workers {
                    group.addTask {
                        let staff = SoakBrowser(http: http, base: base, host: brand.host, recorder: recorder)
                        var n = 0
                        while ContinuousClock.now < deadline {
                            n += 1
                            await SoakJourney(s: s, brand: brand, http: http, base: base, recorder: recorder, staff: staff, staffEmail: brand.staffEmails[w],
                                              email: "soak-\(run)-\(w)-\(n)@\(brand.slug).test").run()
                        }
                    }
                }
            }
        }
        let load = recorder.snapshot
        // The API rate limit is counted in PostgreSQL: a burst through the proxy reaches both servers
        // and must be cut at exactly the brand's limit.
        let burst = try await SoakRateLimit.burst(s, http: http, base: base, brand: brands[0], run: run)
        for minute in load.latencies.minutes {
            say(String(format: "minute=%d requests=%d p99_ms=%.1f", minute.index + 1, minute.count, minute.p99Milliseconds))
        }
        let errors = load.errors.values.reduce(0, +)
        say("requests=\(load.requests) errors=\(errors) cross_server_session=\(load.crossServerSession)")
        for (key, count) in load.errors.sorted(by: { $0.key < $1.key }) { say("error_kind=\(count) \(key)") }
        for line in load.errorSamples { say("error_sample \(line)") }
        for (name, count) in load.steps.sorted(by: { $0.key < $1.key }) { say("step_\(name)=\(count)") }
        for (upstream, count) in load.upstreams.sorted(by: { $0.key < $1.key }) { say("upstream \(upstream)=\(count)") }
        say("rate_limit=\(burst.limit) rate_burst=\(burst.sent) rate_ok=\(burst.ok) rate_429=\(burst.limited) rate_other=\(burst.other) rate_upstreams=\(burst.upstreams)")
        for brand in brands {
            let problems = try await s.tenantDB.transaction(brand.handle) { tx in try await Ledger.verify(in: tx) }
            let audit = try await AuditAnchors.verify(brand.handle, tenantDB: s.tenantDB)
            let recon = try await s.trading.reconcile(tenant: brand.handle, brand: brand.config)
            say("brand=\(brand.slug) ledger_problems=\(problems.count) audit_intact=\(audit.isIntact) reconciliation_differences=\(recon.differences.count) accounts=\(recon.accounts)")
            for p in problems.prefix(5) { say("ledger_problem \(brand.slug): \(p)") }
            if !audit.isIntact { say("audit \(brand.slug): \(audit)") }
            for d in recon.differences.prefix(5) { say("reconciliation_difference \(brand.slug): \(d)") }
        }
        try await SoakJobs.report(s, since: runStart)
    }
}
