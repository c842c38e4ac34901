import ArgumentParser
import AtriumCore
import AtriumSandbox
import AtriumSandboxWeb
import Foundation
import Logging
import ServiceLifecycle

struct SandboxPlatformCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox-platform",
        abstract: "Run the sandbox trading server (MT5 Web API and Match-Trader-style REST) for the demo and tests.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8091
    @Option(help: "Directory for the server's state (snapshot and journal); kept across restarts.") var data = ".atrium/sandbox-platform"
    @Option(help: "Brand files whose platform groups the server knows.") var tenants = "tenants"
    @Option(help: "Server time zone as minutes east of UTC (MT5 times are server-local).") var timeOffsetMinutes = 120
    @Option(help: "Groups whose accounts get generated trades ('*' wildcard, comma-separated).") var tradeGroups = "demo*"
    @Option(help: "Chance per account per tick (percent) to open or close a generated trade.") var tradePercent = 20
    @Option(help: "Milliseconds between price ticks.") var tickMilliseconds = 1000
    @Option(help: "Extra MT5 managers as login:password (repeatable).") var manager: [String] = []

    func run() async throws {
        var logger = Logger(label: "atrium.sandbox-platform")
        logger.logLevel = .info
        do {
            // A sandbox with documented credentials has no place next to production.
            guard (ProcessInfo.processInfo.environment["ATRIUM_ENV"] ?? "").lowercased() == "development" else {
                throw CLIError(description: "ATRIUM_ENV: the sandbox trading server runs only with ATRIUM_ENV=development")
            }
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            var configuration = SandboxConfiguration()
            configuration.dataDirectory = data
            configuration.timeOffsetMinutes = timeOffsetMinutes
            configuration.groups = try SandboxPlatformServer.groups(tenantsDirectory: tenants)
            configuration.tradeGroupPatterns = tradeGroups.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            configuration.tradeProbabilityPercent = tradePercent
            for entry in manager {
                let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw CLIError(description: "--manager: expected login:password, got \"\(entry)\"")
                }
                configuration.managers[parts[0]] = parts[1]
            }
            let engine = try SandboxPlatform(configuration: configuration)
            let app = SandboxPlatformServer.application(engine: engine, host: host, port: port, logger: logger) { bound in
                say("sandbox trading server on http://\(host):\(bound)  (MT5 /api, Match-Trader /mtr, data \(data))")
            }
            let group = ServiceGroup(configuration: .init(
                services: [.init(service: app), .init(service: SandboxPlatformTicker(engine: engine, interval: .milliseconds(tickMilliseconds), logger: logger))],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError(description: "sandbox-platform: \(error)")
        }
    }
}
