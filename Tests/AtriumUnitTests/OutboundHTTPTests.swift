import AtriumOutbound
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

/// The one outbound HTTP wrapper: definite failures (nothing applied) apart from ambiguous ones.
@Suite("Outbound HTTP: definite versus ambiguous failures", .timeLimit(.minutes(1)))
struct OutboundHTTPTests {
    /// A loopback TCP server that reads the request and then does `behaviour`.
    final class Peer: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        enum Behaviour: Sendable { case silent, hangUp, answer(String) }
        let behaviour: Behaviour
        init(_ behaviour: Behaviour) { self.behaviour = behaviour }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch behaviour {
            case .silent: break
            case .hangUp: context.close(promise: nil)
            case .answer(let statusLine):
                let text = "HTTP/1.1 \(statusLine)\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
                context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: text)), promise: nil)
            }
        }
    }

    static func withPeer<R: Sendable>(_ behaviour: Peer.Behaviour, _ body: (Int) async throws -> R) async throws -> R {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { $0.pipeline.addHandler(Peer(behaviour)) }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { channel.close(promise: nil) }
        return try await body(channel.localAddress?.port ?? 0)
    }

    static let http = OutboundHTTP(timeout: .milliseconds(500))

    static func failure(_ url: String) async -> OutboundFailure? {
        do {
            _ = try await http.send(url, method: .POST, headers: [], body: Array("{}".utf8), label: "test")
            return nil
        } catch {
            return error
        }
    }

    @Test("a refused connection is definite")
    func refused() async throws {
        // Port 1 (tcpmux) is privileged and unused: connecting is refused at once. A port freed by
        // this test could be taken by a parallel test's server before the connect (seen in CI).
        let f = await Self.failure("http://127.0.0.1:1/v1/payouts")
        #expect(f?.mayHaveTakenEffect == false, "got \(String(describing: f))")
    }

    @Test("an unresolvable host and a malformed URL are definite")
    func unresolvable() async {
        let dns = await Self.failure("http://no-such-host.invalid/v1/payouts")
        #expect(dns?.mayHaveTakenEffect == false, "got \(String(describing: dns))")
        let url = await Self.failure("not a url")
        #expect(url?.mayHaveTakenEffect == false, "got \(String(describing: url))")
    }

    @Test("no answer in time after sending, and a connection closed after sending, are ambiguous")
    func ambiguous() async throws {
        let silent = try await Self.withPeer(.silent) { await Self.failure("http://127.0.0.1:\($0)/v1/payouts") }
        #expect(silent?.mayHaveTakenEffect == true, "got \(String(describing: silent))")
        if case .ambiguous = silent {} else { Issue.record("expected ambiguous, got \(String(describing: silent))") }
        let dropped = try await Self.withPeer(.hangUp) { await Self.failure("http://127.0.0.1:\($0)/v1/payouts") }
        if case .ambiguous = dropped {} else { Issue.record("expected ambiguous, got \(String(describing: dropped))") }
    }

    @Test("answers: 2xx is success, 4xx and 503 definite, other 5xx ambiguous", arguments: [
        ("200 OK", nil as Bool?), ("404 Not Found", false), ("422 Unprocessable Content", false), ("503 Service Unavailable", false),
        ("500 Internal Server Error", true), ("502 Bad Gateway", true), ("504 Gateway Timeout", true),
    ])
    func answers(statusLine: String, mayHaveTakenEffect: Bool?) async throws {
        let reply = try await Self.withPeer(.answer(statusLine)) { port in
            try await Self.http.send("http://127.0.0.1:\(port)/x", method: .POST, headers: [], body: [], label: "test")
        }
        #expect(reply.status == Int(statusLine.prefix(3)))
        #expect(reply.failure?.mayHaveTakenEffect == mayHaveTakenEffect)
    }
}
