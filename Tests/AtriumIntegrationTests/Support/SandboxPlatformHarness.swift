import AtriumHTTP
import AtriumSandbox
import AtriumSandboxWeb
import AtriumTenancy
import Foundation
import Hummingbird
import Logging
import Testing

/// A sandbox trading server in this test process, on a free loopback port, with the groups of
/// the demo brands. `control` posts to its test switches.
struct SandboxPlatformHarness: Sendable {
    let engine: SandboxPlatform
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }
    var environment: [String: String] { ["ATRIUM_SANDBOX_PLATFORM_URL": url] }

    static func configuration(data: String?) throws -> SandboxConfiguration {
        var c = SandboxConfiguration()
        c.dataDirectory = data
        c.groups = try SandboxPlatformServer.groups(tenantsDirectory: TestCluster.repoRoot + "/tenants")
        c.tradeGroupPatterns = []
        return c
    }

    /// Runs `body` with a server up; it stops afterwards.
    static func with<R: Sendable>(data: String? = nil, _ body: @Sendable (SandboxPlatformHarness) async throws -> R) async throws -> R {
        let engine = try SandboxPlatform(configuration: try configuration(data: data))
        return try await serve(engine, body)
    }

    /// Runs `body` with a server whose Match-Trader API allows `limit` requests per key in any
    /// `windowSeconds`.
    static func with<R: Sendable>(rateLimit limit: Int, windowSeconds: Int = 60, _ body: @Sendable (SandboxPlatformHarness) async throws -> R) async throws -> R {
        var config = try configuration(data: nil)
        config.rateLimitPerMinute = limit
        config.rateLimitWindowSeconds = windowSeconds
        return try await serve(try SandboxPlatform(configuration: config), body)
    }

    static func serve<R: Sendable>(_ engine: SandboxPlatform, _ body: @Sendable (SandboxPlatformHarness) async throws -> R) async throws -> R {
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let app = SandboxPlatformServer.application(engine: engine, port: 0, logger: TestCluster.logger) { port in
            sink.yield(port)
            sink.finish()
        }
        return try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []); return nil }
            defer { group.cancelAll() }
            var it = ports.makeAsyncIterator()
            let port = try #require(await it.next())
            return try await body(SandboxPlatformHarness(engine: engine, port: port))
        }
    }

    @discardableResult
    func control(_ path: String, _ json: String = "{}") async throws -> RawHTTP.Reply {
        try await RawHTTP.send(url + "/control/" + path, headers: [("Content-Type", "application/json")], body: Array(json.utf8))
    }

    /// Posts `body`, encoded as JSON, to a control endpoint.
    @discardableResult
    func control(_ path: String, body: some Encodable) async throws -> RawHTTP.Reply {
        try await control(path, String(decoding: try JSONEncoder().encode(body), as: UTF8.self))
    }

    /// Makes the sandbox close `count` generated trades on `login`.
    func generateDeals(login: String, count: Int) async throws {
        struct Generate: Encodable { let login: String; let count: Int }
        let reply = try await control("generate-deals", body: Generate(login: login, count: count))
        #expect(reply.status == 200)
    }

    func fault(_ target: String, _ mode: String, count: Int = 1, latencyMs: Int = 0) async throws {
        struct Arm: Encodable { let target: String; let mode: String; let count: Int; let latencyMs: Int }
        let reply = try await control("faults", body: Arm(target: target, mode: mode, count: count, latencyMs: latencyMs))
        #expect(reply.status == 200)
    }
}
