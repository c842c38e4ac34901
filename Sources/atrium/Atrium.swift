import ArgumentParser
import NIOCore
import NIOPosix

/// The `atrium` executable: argument parsing only; the work lives in the library targets.
@main
struct Atrium: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "atrium",
        abstract: "Multi-tenant white-label CRM for Forex/CFD brokers.",
        subcommands: [Serve.self, Migrate.self, TenantCommand.self, OperatorCommand.self, AuditCommand.self, Demo.self, DB.self, SandboxPlatformCommand.self,
                      BenchSession.self, BenchTenants.self, BenchLedger.self, BenchCallbacks.self, BenchTrading.self,
                      CommissionsCommand.self, BenchCommissions.self, BenchClients.self, BenchReports.self, ListsCommand.self,
                      ScreeningCommand.self, BenchScreening.self, APIKeyCommand.self, OperatorKeyCommand.self])

    /// Swift concurrency's jobs run on NIO's event loops instead of a separate thread pool: a
    /// database reply or an HTTP request resumes its task on the thread that read it, without a
    /// hand-over to another thread at every await (docs/PERFORMANCE.md, "Executor"). Installed on
    /// the main thread before the first task starts; nothing in Atrium blocks a thread (Argon2
    /// runs on NIOThreadPool). Then parses and runs the command as ArgumentParser's own entry does.
    static func main() async {
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
