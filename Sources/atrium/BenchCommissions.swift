import ArgumentParser
import AtriumBrandConfig
import AtriumCore
import AtriumHTTP
import AtriumPartners
import AtriumStorage
import AtriumTenancy
import Foundation
import PostgresNIO

/// `atrium bench-commissions`: the commission engine against its SQL bound (ops/bench/commissions).
/// Seeds a fresh tenant (IBs in a 5-level tree, clients, one account each, a hybrid plan, synthetic
/// platform deals), runs `CommissionEngine` over every deal, computes the same lines with one
/// `INSERT … SELECT` into a copy of `commission_lines`, replays deals to show a rerun adds nothing,
/// and compares per-IB totals. Prints `key=value` lines for the script.
struct BenchCommissions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-commissions", abstract: "Measure the IB commission engine against one INSERT … SELECT (ops/bench/commissions).")
    @Option var deals: Int = 1_000_000
    @Option var clients: Int = 50_000
    @Option var ibs: Int = 1_000
    @Option(help: "Deals replayed from the start for the rerun check (0 = all).") var replay: Int = 0
    @Option(help: "Brand file whose platform connection the deals use.") var brand: String = "tenants/aurora.yaml"

    func run() async throws {
        try await Runtime.guarded {
            try await Runtime.run { s in
                var config = try TenantConfig.parse(yaml: String(contentsOfFile: brand, encoding: .utf8), file: brand)
                guard var platforms = config.platforms, !platforms.isEmpty else { throw CLIError(description: "\(brand) has no platform connection") }
                platforms[0].symbolGroups = BenchCommissionLoad.symbolGroups
                config.platforms = platforms
                let load = BenchCommissionLoad(deals: deals, clients: clients, ibs: ibs, connectionID: platforms[0].id)
                let slug = "cb" + Token.random(bytes: 4).lowercased().filter { $0.isLetter || $0.isNumber }.prefix(8)
                _ = try await s.provisioning.create(slug: slug, name: "Commission bench", domains: ["\(slug).bench.localhost"],
                                                    adminEmail: "admin@\(slug).test", actor: "bench")
                guard let tenant = try await s.registry.tenant(slug: slug)?.handle else { throw CLIError(description: "tenant \(slug) was not created") }
                say("tenant=\(slug)")

                var clock = ContinuousClock.now
                try await load.seed(s.tenantDB, tenant)
                say("seed_seconds=\(Self.seconds(since: clock))")

                let engine = CommissionEngine(tenantDB: s.tenantDB, batchSize: 1_000)
                clock = ContinuousClock.now
                let pass = try await engine.runUntilCaughtUp(tenant: tenant, brand: config)
                let engineSeconds = Self.seconds(since: clock)
                say("engine_deals=\(pass.deals) engine_lines=\(pass.linesWritten) engine_seconds=\(engineSeconds)")

                clock = ContinuousClock.now
                let sqlLines = try await load.sqlBound(s.tenantDB, tenant)
                let sqlSeconds = Self.seconds(since: clock)
                say("sql_lines=\(sqlLines) sql_seconds=\(sqlSeconds)")

                // Rerun: from the cursor (nothing new), then a replay from seq 0 (every line exists already).
                let rerun = try await engine.runUntilCaughtUp(tenant: tenant, brand: config)
                let replayed = try await load.replay(engine, s.tenantDB, tenant, brand: config, deals: replay == 0 ? deals : replay)
                say("rerun_lines=\(rerun.linesWritten) replay_deals=\(replayed.deals) replay_lines=\(replayed.lines)")

                let check = try await load.compare(s.tenantDB, tenant)
                say("ibs_with_lines=\(check.partners) ibs_differing=\(check.differing) engine_total=\(check.engineTotal) sql_total=\(check.sqlTotal)")
            }
        }
    }

    static func seconds(since start: ContinuousClock.Instant) -> String {
        let d = ContinuousClock.now - start
        return String(format: "%.3f", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
    }
}
