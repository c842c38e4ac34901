import ArgumentParser
import AtriumCore
import AtriumHTTP
import AtriumReports
import AtriumStorage
import AtriumTenancy
import Foundation
import PostgresNIO

/// `atrium bench-reports`: the dashboard's queries at 1,000,000 ledger entries (ops/bench/reports).
/// Seeds a fresh tenant with `BenchReportLoad`, then times every AtriumReports query over the last
/// 30 and 366 days, for all countries and for one, and prints `key=value` lines for the script and
/// each 366-day plan from `EXPLAIN (ANALYZE, BUFFERS)` on lines starting with `plan|`.
struct BenchReports: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-reports", abstract: "Time the dashboard's report queries (ops/bench/reports).")
    @Option var entries: Int = 1_000_000
    @Option var clients: Int = 50_000
    @Option var deals: Int = 300_000
    @Option(help: "Days of history the load spreads over.") var days: Int = 400
    @Option(help: "Timed runs per query; the median is reported.") var runs: Int = 5
    @Flag(help: "Create and seed the tenant, print its slug and stop (the script vacuums it before timing).") var seedOnly = false
    @Option(help: "Time the queries on this already seeded tenant instead of seeding one.") var tenant: String?

    /// Each query by name, as the dashboard runs it.
    static let queries: [(name: String, sql: @Sendable (ReportRange) -> PostgresQuery)] = [
        ("funding", FundingReport.sql), ("funnel", FunnelReport.sql), ("kyc", KYCReport.sql),
        ("activity", ActivityReport.sql), ("payouts", PartnerReport.payoutsSQL), ("top_ibs", PartnerReport.topSQL),
    ]

    func run() async throws {
        try await Runtime.guarded {
            try await Runtime.run { s in
                let tenant: TenantHandle
                if let slug = self.tenant {
                    guard let found = try await s.registry.tenant(slug: slug)?.handle else { throw CLIError(description: "no tenant \(slug)") }
                    tenant = found
                } else {
                    let slug = "rb" + Token.random(bytes: 4).lowercased().filter { $0.isLetter || $0.isNumber }.prefix(8)
                    _ = try await s.provisioning.create(slug: slug, name: "Report bench", domains: ["\(slug).bench.localhost"],
                                                        adminEmail: "admin@\(slug).test", actor: "bench")
                    guard let created = try await s.registry.tenant(slug: slug)?.handle else { throw CLIError(description: "tenant \(slug) was not created") }
                    tenant = created
                    say("tenant=\(slug)")
                    let clock = ContinuousClock.now
                    try await BenchReportLoad(entries: entries, clients: clients, deals: deals, days: days).seed(s.tenantDB, tenant)
                    say("seed_seconds=\(BenchCommissions.seconds(since: clock))")
                    if seedOnly { return }
                }
                let counts = try await s.tenantDB.transaction(tenant) { tx in
                    try await tx.query("SELECT (SELECT count(*) FROM ledger_transfers)::bigint, (SELECT count(*) FROM platform_deals)::bigint").collect()[0]
                        .decode((Int64, Int64).self)
                }
                say("ledger_entries=\(counts.0) platform_deals=\(counts.1)")

                for days in [30, 366] {
                    for country in [nil, "GB"] as [String?] {
                        let range = ReportRange.lastDays(days, country: country)
                        for q in Self.queries {
                            let ms = try await time(q.sql(range), s.tenantDB, tenant)
                            say("query=\(q.name) days=\(days) country=\(country ?? "all") median_ms=\(ms)")
                        }
                    }
                }
                for q in Self.queries {
                    let query = q.sql(ReportRange.lastDays(366))
                    let plan = try await s.tenantDB.transaction(tenant) { tx in
                        try await ReportSession.prepare(tx)
                        var lines: [String] = []
                        for try await line in try await tx.query(PostgresQuery(unsafeSQL: "EXPLAIN (ANALYZE, BUFFERS) " + query.sql, binds: query.binds))
                            .decode(String.self) { lines.append(line) }
                        return lines
                    }
                    say("plan| ### \(q.name), last 366 days, all countries")
                    for line in plan { say("plan| \(line)") }
                }
            }
        }
    }

    /// Median wall time of `runs` executions after one warm-up, in milliseconds with one decimal.
    func time(_ query: PostgresQuery, _ db: TenantDB, _ tenant: TenantHandle) async throws -> String {
        var samples: [Duration] = []
        for n in 0...runs {
            let start = ContinuousClock.now
            try await db.transaction(tenant) { tx in
                try await ReportSession.prepare(tx)
                _ = try await tx.query(query).collect()
            }
            if n > 0 { samples.append(ContinuousClock.now - start) }
        }
        let median = samples.sorted()[samples.count / 2]
        let ms = Double(median.components.seconds) * 1000 + Double(median.components.attoseconds) / 1e15
        return String(format: "%.1f", ms)
    }
}
