import ArgumentParser
import AtriumCore
import AtriumCRM
import AtriumHTTP
import AtriumTenancy
import Foundation

/// `atrium bench-clients`: the Back Office client list at 100,000 clients (ops/bench/clients).
/// Creates a fresh tenant, seeds it (`ClientBench.seed`), times the list's typical pages and prints
/// `name|median_ms|rows` lines, then each plan after a `## name` line.
struct BenchClients: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-clients", abstract: "Time the Back Office client list at 100,000 clients (ops/bench/clients).")
    @Option var clients: Int = 100_000

    func run() async throws {
        try await Runtime.guarded {
            try await Runtime.run { s in
                let slug = "cl" + Token.random(bytes: 4).lowercased().filter { $0.isLetter || $0.isNumber }.prefix(8)
                _ = try await s.provisioning.create(slug: slug, name: "Client list bench", domains: ["\(slug).bench.localhost"],
                                                    adminEmail: "admin@\(slug).test", actor: "bench")
                guard let tenant = try await s.registry.tenant(slug: slug)?.handle else { throw CLIError(description: "tenant \(slug) was not created") }
                say("tenant=\(slug)")
                let agents = try await ClientBench.seed(count: clients, db: s.tenantDB, tenant: tenant)
                let figures = try await ClientBench.measure(db: s.tenantDB, tenant: tenant, agents: agents)
                for f in figures { say("\(f.name)|\(String(format: "%.2f", f.medianMs))|\(f.rows)") }
                for f in figures { say("## \(f.name)\n\(f.plan)") }
            }
        }
    }
}
