import ArgumentParser
import AtriumCore
import AtriumHTTP
import AtriumStorage
import Foundation
import Logging

/// Shared start-up for subcommands: typed config, logger, services with a running pool.
enum Runtime {
    static func logger(_ config: AppConfig) -> Logger {
        var logger = Logger(label: "atrium")
        logger.logLevel = Logger.Level(rawValue: config.logLevel) ?? .info
        return logger
    }

    /// Reads config, builds services and runs `body` with the pool up. Errors print as one line.
    static func run<R: Sendable>(_ body: @Sendable (AppServices) async throws -> R) async throws -> R {
        let config = try AppConfig.fromEnvironment()
        let logger = logger(config)
        let services = try await makeServices(config: config, logger: logger)
        return try await withRunningServices(services, body)
    }
}

/// A command-line failure printed without a stack trace.
struct CLIError: Error, CustomStringConvertible {
    let description: String
}

extension Runtime {
    /// Runs a command body, turning any error into a clean message and exit code 1.
    static func guarded(_ body: @Sendable () async throws -> Void) async throws {
        do {
            try await body()
        } catch let e as CleanExit {
            throw e
        } catch {
            FileHandle.standardError.write(Data("error: \(describe(error))\n".utf8))
            throw ExitCode(1)
        }
    }

    static func describe(_ error: any Error) -> String {
        error.rootCauseDescription
    }
}

extension Error {
    /// The underlying error's description (server message for database errors).
    var rootCauseDescription: String {
        let root = self.rootCause
        if let msg = root.serverMessage { return "database: \(msg)" }
        return "\(root)"
    }
}

/// Writes a line to standard output unbuffered, so progress and demo URLs appear at once when piped.
func say(_ line: String, terminator: String = "\n") {
    // The throwing API: a closed pipe (`| head -1`) must not crash the command.
    try? FileHandle.standardOutput.write(contentsOf: Data((line + terminator).utf8))
}
