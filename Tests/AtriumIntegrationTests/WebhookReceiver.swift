import AtriumHTTP
import AtriumStorage
import AtriumWebhooks
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
import Testing

/// A webhook receiver on a free loopback port: answers the scripted status codes in turn (then
/// 200), and records each request with whether its `Atrium-Signature` verified. The check is its
/// own HMAC over the raw bytes, as a customer would write it, not `WebhookSignature`.
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        let eventID: String
        let eventType: String
        let body: [UInt8]
        let signature: String
        let verified: Bool
    }

    /// What the server side shares with the test.
    final class Shared: Sendable {
        let state = Mutex<(script: [Int], received: [Received])>(([], []))
        let secret = Mutex("")
    }

    let port: Int
    private let shared: Shared

    private init(port: Int, shared: Shared) {
        self.port = port
        self.shared = shared
    }

    var url: String { "http://127.0.0.1:\(port)/hook" }
    var received: [Received] { shared.state.withLock { $0.received } }
    func answer(_ codes: [Int]) { shared.state.withLock { $0.script = codes } }
    func use(secret s: String) { shared.secret.withLock { $0 = s } }

    /// Verifies `t=…,v1=…` over `body` with `secret`.
    static func verify(header: String, body: [UInt8], secret: String) -> Bool {
        var t = "", v1 = ""
        for part in header.split(separator: ",") {
            if part.hasPrefix("t=") { t = String(part.dropFirst(2)) }
            if part.hasPrefix("v1=") { v1 = String(part.dropFirst(3)) }
        }
        let mac = HMAC<SHA256>.authenticationCode(for: Array((t + ".").utf8) + body, using: SymmetricKey(data: Array(secret.utf8)))
        return !t.isEmpty && Data(mac).map { String(format: "%02x", $0) }.joined() == v1
    }

    /// Starts a receiver that runs, unscoped, for the rest of the test process.
    static func start() async throws -> WebhookReceiver {
        let shared = Shared()
        let router = Router()
        router.post("/hook") { req, _ -> Response in
            var req = req
            let body = Array(buffer: try await req.collectBody(upTo: 1 << 20))
            let header = req.headers[HTTPField.Name("Atrium-Signature")!] ?? ""
            let key = shared.secret.withLock { $0 }
            let record = Received(eventID: req.headers[HTTPField.Name("Atrium-Event-Id")!] ?? "", eventType: req.headers[HTTPField.Name("Atrium-Event-Type")!] ?? "",
                                  body: body, signature: header, verified: verify(header: header, body: body, secret: key))
            let code = shared.state.withLock { s -> Int in
                s.received.append(record)
                return s.script.isEmpty ? 200 : s.script.removeFirst()
            }
            return Response(status: HTTPResponse.Status(code: code))
        }
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: { channel in
            sink.yield(channel.localAddress?.port ?? 0)
            sink.finish()
        }, logger: TestCluster.logger)
        Task.detached { try? await app.runService(gracefulShutdownSignals: []) }
        var it = ports.makeAsyncIterator()
        let port = try #require(await it.next())
        return WebhookReceiver(port: port, shared: shared)
    }
}

extension AppServices {
    /// Subscribes `url` to every event in `tenant` (the development guard lets loopback through);
    /// returns the endpoint id and its secret.
    func subscribeWebhooks(_ tenant: TenantHandle, url: String, events: [WebhookEventType] = WebhookEventType.allCases) async throws -> (id: UUID, secret: String) {
        let made = try await tenantDB.transaction(tenant) { tx in
            try await webhookEndpoints.create(url: url, description: "test", events: events.map(\.rawValue), actor: "test", requestID: "", in: tx)
        }
        return (made.endpoint.id, made.secret)
    }

    /// The events of `tenant` in order: type and payload text.
    func webhookEvents(_ tenant: TenantHandle) async throws -> [(type: String, payload: [String: Any])] {
        let rows = try await tenantDB.transaction(tenant) { tx in
            try await tx.query("SELECT type, payload::text FROM webhook_events ORDER BY seq").collect().map { try $0.decode((String, String).self) }
        }
        return try rows.map { ($0.0, try #require(try JSONSerialization.jsonObject(with: Data($0.1.utf8)) as? [String: Any])) }
    }
}
