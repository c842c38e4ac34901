import ArgumentParser
import AtriumPartners

/// `atrium commissions recalculate`: adjustment lines for the difference between the commission
/// lines of a window and what today's data computes.
struct CommissionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "commissions", abstract: "IB commission maintenance.",
                                                    subcommands: [Recalculate.self])

    struct Recalculate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the lines of the deals in a window and write adjustment lines for the difference (never rewrites a line).")
        @Option(help: "Tenant slug.") var tenant: String
        @Option(help: "First day, YYYY-MM-DD (UTC).") var from: String
        @Option(help: "Last day, YYYY-MM-DD (UTC), included.") var to: String
        @Flag(help: "Print the difference only; write nothing.") var dryRun = false

        func run() async throws {
            try await Runtime.guarded {
                let window = try CommissionWindow.parse(from: from, to: to)
                try await Runtime.run { s in
                    guard let record = try await s.registry.tenant(slug: tenant), let brand = record.config else {
                        throw CLIError(description: "no active tenant \(tenant)")
                    }
                    let result = try await CommissionEngine(tenantDB: s.tenantDB)
                        .recalculate(tenant: record.handle, brand: brand, from: window.from, to: window.until, write: !dryRun)
                    for line in result.report { say(line) }
                }
            }
        }
    }
}
