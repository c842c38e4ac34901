import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// A loopback HTTP proxy in front of the sandbox trading server that counts the platform calls
/// in flight and per API key (one key a brand), holds each call `delay`, and answers 503 for the
/// keys in `failing`. Forwarded calls carry the sandbox's own key.
final class CountingPlatformProxy: Sendable {
    struct State {
        var inFlight = 0
        var maxInFlight = 0
        var calls: [String: Int] = [:]
        var failing: Set<String> = []
    }
    let state = Mutex(State())
    let target: String
    let delay: Duration
    let sandboxKey: String

    init(target: String, delay: Duration, sandboxKey: String) {
        self.target = target
        self.delay = delay
        self.sandboxKey = sandboxKey
    }

    var maxInFlight: Int { state.withLock { $0.maxInFlight } }
    func calls(_ key: String) -> Int { state.withLock { $0.calls[key] ?? 0 } }
    func fail(_ key: String) { state.withLock { _ = $0.failing.insert(key) } }

    func handle(_ request: Request) async throws -> Response {
        let key = request.headers[.authorization] ?? ""
        let failing = state.withLock { s -> Bool in
            s.inFlight += 1
            s.maxInFlight = max(s.maxInFlight, s.inFlight)
            s.calls[key, default: 0] += 1
            return s.failing.contains(key)
        }
        defer { state.withLock { $0.inFlight -= 1 } }
        try await Task.sleep(for: delay)
        if failing { return Response(status: .serviceUnavailable) }
        let body = try await request.body.collect(upTo: 4 << 20)
        var headers: [(String, String)] = [("Authorization", sandboxKey), ("Accept", "application/json")]
        if let type = request.headers[.contentType] { headers.append(("Content-Type", type)) }
        let reply = try await RawHTTP.send(target + request.uri.description, method: NIOHTTP1.HTTPMethod(rawValue: request.method.rawValue),
                                           headers: headers, body: body.readableBytes > 0 ? Array(buffer: body) : nil)
        return Response(status: .init(code: reply.status), headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(string: reply.body)))
    }

    /// Runs `body` with the proxy listening; passes its base URL.
    func serve<R: Sendable>(_ body: @Sendable (String) async throws -> R) async throws -> R {
        let router = Router()
        for method in [HTTPRequest.Method.get, .post, .put, .delete, .patch] {
            router.on("**", method: method) { request, _ in try await self.handle(request) }
        }
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in
                                  sink.yield(channel.localAddress?.port ?? 0)
                                  sink.finish()
                              }, logger: TestCluster.logger)
        return try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []); return nil }
            defer { group.cancelAll() }
            var it = ports.makeAsyncIterator()
            let port = try #require(await it.next())
            return try await body("http://127.0.0.1:\(port)")
        }
    }
}
