import Foundation

/// One run of the `atrium` binary as a child process, with exactly the environment given (plus
/// PATH), its output in a log file. `ATRIUM_TEST_BINARY` points the same tests at another build.
final class AtriumRun: @unchecked Sendable {
    static var binary: String {
        ProcessInfo.processInfo.environment["ATRIUM_TEST_BINARY"].flatMap { $0.isEmpty ? nil : $0 } ?? TestCluster.repoRoot + "/.build/debug/atrium"
    }

    let process = Process()
    let log: String

    init(_ arguments: [String], environment: [String: String], log: String) throws {
        self.log = log
        var env = environment
        env["PATH"] = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        try FileManager.default.createDirectory(atPath: (log as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// The exit status, or nil when the process is still running after `seconds`.
    func exitStatus(within seconds: Double) async -> Int32? {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    func signal(_ number: Int32) { if process.isRunning { kill(process.processIdentifier, number) } }

    /// Kills a process a test left running.
    func stop() async {
        signal(SIGKILL)
        _ = await exitStatus(within: 5)
    }

    /// Waits until `/health` answers on `port`.
    func waitUntilHealthy(port: Int) async throws {
        for _ in 0..<300 {
            if let reply = try? await RawHTTP.send("http://127.0.0.1:\(port)/health", method: .GET), reply.status == 200 { return }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw AtriumRunError(description: "atrium did not become healthy on port \(port):\n\(output.suffix(2000))")
    }
}

struct AtriumRunError: Error, CustomStringConvertible {
    let description: String
}
