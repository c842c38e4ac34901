import AtriumBrandConfig
import AtriumSandbox
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The sandbox trading server on HTTP: every request goes to the `SandboxPlatform` engine
/// (MT5 Web API under `/api`, Match-Trader-style REST under `/mtr`, test switches under
/// `/control`). Used by `atrium sandbox-platform`, `./ops/demo` and the tests.
public enum SandboxPlatformServer {
    /// Groups (with their currencies) of every platform connection in the brand files, live and
    /// demo, so accounts can be opened in them.
    public static func groups(tenantsDirectory: String) throws -> [SandboxGroup] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: tenantsDirectory)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
        var out: [SandboxGroup] = []
        for file in files {
            let path = "\(tenantsDirectory)/\(file)"
            out += groups(brand: try TenantConfig.parse(yaml: try String(contentsOfFile: path, encoding: .utf8), file: path))
        }
        return out
    }

    public static func groups(brand: TenantConfig) -> [SandboxGroup] {
        var out: [SandboxGroup] = []
        for c in brand.platforms ?? [] {
            for t in c.accountTypes ?? [] {
                out.append(SandboxGroup(name: t.group, currency: t.currency))
                out.append(SandboxGroup(name: t.resolvedDemoGroup, currency: t.currency))
            }
        }
        return out
    }

    /// The HTTP application around `engine`; `onRunning` receives the bound port.
    public static func application(engine: SandboxPlatform, host: String = "127.0.0.1", port: Int, logger: Logger,
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { req, _ in
            try await answer(req, engine: engine)
        }
        for method in [HTTPRequest.Method.get, .post, .patch, .put, .delete] {
            router.on("**", method: method, use: handler)
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "atrium-sandbox-platform"),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }

    static func answer(_ req: Request, engine: SandboxPlatform) async throws -> Response {
        let body = try await req.body.collect(upTo: 1 << 20)
        var query: [String: String] = [:]
        for (k, v) in req.uri.queryParameters { query[String(k)] = String(v) }
        var headers: [String: String] = [:]
        for field in req.headers { headers[field.name.canonicalName.lowercased()] = field.value }
        let reply = await engine.handle(SandboxHTTPRequest(method: req.method.rawValue, path: req.uri.path, query: query, headers: headers,
                                                           body: Array(body.readableBytesView)))
        if reply.delayMilliseconds > 0 { try await Task.sleep(for: .milliseconds(reply.delayMilliseconds)) }
        if reply.hang {
            // A timeout as the client sees it: no answer for longer than any client waits.
            try await Task.sleep(for: .seconds(120))
            return Response(status: .gatewayTimeout)
        }
        var fields = HTTPFields()
        for (name, value) in reply.headers {
            if let n = HTTPField.Name(name) { fields.append(HTTPField(name: n, value: value)) }
        }
        return Response(status: .init(code: reply.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
    }
}

/// Moves the sandbox's prices and generated trades on, and compacts its journal now and then.
public struct SandboxPlatformTicker: Service {
    let engine: SandboxPlatform
    let interval: Duration
    let logger: Logger

    public init(engine: SandboxPlatform, interval: Duration = .milliseconds(1000), logger: Logger) {
        self.engine = engine
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        var ticks = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await engine.tick()
            ticks += 1
            if ticks % 300 == 0 {
                do { try await engine.flush() } catch { logger.error("sandbox platform snapshot failed", metadata: ["error": "\(error)"]) }
            }
            try? await Task.sleep(for: interval)
        }
        try? await engine.flush()
    }
}
