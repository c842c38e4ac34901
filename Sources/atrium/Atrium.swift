import ArgumentParser

/// The `atrium` executable: argument parsing only; the work lives in the library targets.
@main
struct Atrium: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "atrium",
        abstract: "Multi-tenant white-label CRM for Forex/CFD brokers.",
        subcommands: [Serve.self, Migrate.self, TenantCommand.self, OperatorCommand.self, AuditCommand.self, Demo.self, DB.self, SandboxPlatformCommand.self,
                      BenchSession.self, BenchTenants.self, BenchLedger.self, BenchCallbacks.self, BenchTrading.self,
                      CommissionsCommand.self, BenchCommissions.self, BenchClients.self, BenchReports.self, ListsCommand.self,
                      ScreeningCommand.self, BenchScreening.self, APIKeyCommand.self, OperatorKeyCommand.self, BenchSoak.self])
}
