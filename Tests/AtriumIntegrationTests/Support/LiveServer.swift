import AsyncHTTPClient
import AtriumHTTP
import AtriumSandboxWeb
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOFoundationCompat
import Testing

/// Runs the real application on an ephemeral loopback port for the duration of `body`.
/// The server task is cancelled at the end, so background work cannot hold the test open.
/// The sandbox PSP is mounted as in development (`development` overrides it).
func withLiveServer<R: Sendable>(_ s: AppServices, development: DevelopmentSites? = nil, _ body: @Sendable (Int) async throws -> R) async throws -> R {
    let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
    let app = buildApplication(services: s, development: development ?? SandboxSites.development(services: s)) { channel in
        portSink.yield(channel.localAddress?.port ?? 0)
        portSink.finish()
    }
    return try await withThrowingTaskGroup(of: R?.self) { group in
        group.addTask { try await app.runService(gracefulShutdownSignals: []); return nil }
        defer { group.cancelAll() }
        var it = ports.makeAsyncIterator()
        let port = try #require(await it.next())
        return try await body(port)
    }
}

/// Raw HTTP to the live server, with an explicit Host header (brand hosts are `*.localhost`)
/// and without following redirects.
enum RawHTTP {
    static let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    struct Reply: Sendable {
        let status: Int
        let body: String
        let location: String?
    }

    static func send(_ url: String, method: HTTPMethod = .POST, host: String? = nil, headers: [(String, String)] = [], body: [UInt8]? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let host { request.headers.add(name: "Host", value: host) }
        for (k, v) in headers { request.headers.add(name: k, value: v) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(request, timeout: .seconds(20))
        let data = try await response.body.collect(upTo: 4 << 20)
        return Reply(status: Int(response.status.code), body: String(buffer: data), location: response.headers.first(name: "Location"))
    }

    static func form(_ fields: [String: String]) -> [UInt8] {
        Array(fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&").utf8)
    }
}
