import AtriumCore
@testable import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// The idempotency middleware over the brand store (`api_idempotency` in the brand's schema),
/// on a test router whose POST counts its runs and fails on demand: the brand spec has no POST yet.
@Suite("Idempotency middleware with the brand store: replay, 422, 409, release on 5xx, 4xx kept, expiry, limits", .serialized, .timeLimit(.minutes(3)))
struct IdempotencyMiddlewareTests {
    static let env = Task { () throws -> AppServices in
        let s = try await TestEnv.started("idempotency")
        try await TestEnv.applyBrands(["aurora"], to: s)
        return s
    }

    /// What the test handler does next.
    enum Mode: Sendable { case ok, throwError, answer503, problem422, slow }

    final class Probe: Sendable {
        let runs = Mutex(0)
        let mode = Mutex(Mode.ok)
    }

    static func router(_ store: BrandIdempotencyStore, probe: Probe) -> some HTTPResponder<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: APIProblemMiddleware())
        router.add(middleware: IdempotencyMiddleware(store: { store }))
        router.post("/things") { request, _ -> Response in
            let run = probe.runs.withLock { $0 += 1; return $0 }
            let body = try await request.body.collect(upTo: 2_000_000)
            switch probe.mode.withLock({ $0 }) {
            case .throwError: throw CancellationError()
            case .answer503: return Response(status: .serviceUnavailable)
            case .problem422: throw APIProblem.invalid([.init(pointer: "/amount", detail: "must be positive")])
            case .slow: try await Task.sleep(for: .milliseconds(700))
            case .ok: break
            }
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .created, headers: headers,
                            body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"run":\#(run),"bytes":\#(body.readableBytes)}"#)))
        }
        router.get("/things") { _, _ -> Response in
            probe.runs.withLock { $0 += 1 }
            return Response(status: .ok)
        }
        return router.buildResponder()
    }

    struct Answer: Sendable {
        let status: HTTPResponse.Status
        let body: String
        let type: String?
        let replayed: Bool
        let pointer: String?
    }

    static func post(_ client: any TestClientProtocol, key: String?, body: String, method: HTTPRequest.Method = .post, path: String = "/things") async throws -> Answer {
        var headers = HTTPFields()
        if let key { headers[HTTPField.Name("Idempotency-Key")!] = key }
        let r = try await client.execute(uri: path, method: method, headers: headers, body: ByteBuffer(string: body))
        let text = String(buffer: r.body)
        let json = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        let pointer = (json?["errors"] as? [[String: Any]])?.first?["pointer"] as? String
        return Answer(status: r.status, body: text, type: r.headers[.contentType], replayed: r.headers[HTTPField.Name("Idempotent-Replayed")!] == "true", pointer: pointer)
    }

    static func fixture() async throws -> (AppServices, BrandIdempotencyStore, TenantHandle) {
        let s = try await env.value
        let record = try #require(try await s.registry.tenant(slug: "aurora"))
        let key = try await s.tenantDB.transaction(record.handle) { tx in
            try await APIKeys.create(name: "idem", scopes: [.clientsWrite], createdBy: "test", in: tx).key
        }
        return (s, BrandIdempotencyStore(tenantDB: s.tenantDB, tenant: record.handle, keyID: key.id), record.handle)
    }

    static func rows(_ s: AppServices, _ store: BrandIdempotencyStore) async throws -> Int {
        try await s.tenantDB.transaction(store.tenant) { tx in
            try await tx.query("SELECT count(*)::int FROM api_idempotency WHERE key_id = \(store.keyID)").collect().first?.decode(Int.self) ?? -1
        }
    }

    @Test("same key and body → the first answer again with Idempotent-Replayed, the handler ran once, one row; another body 422 naming Idempotency-Key")
    func replayAndMismatch() async throws {
        let (s, store, _) = try await Self.fixture()
        let probe = Probe()
        try await Application(responder: Self.router(store, probe: probe)).test(.router) { client in
            let first = try await Self.post(client, key: "order-1", body: #"{"amount":"10.00"}"#)
            #expect(first.status == .created)
            #expect(first.body == #"{"run":1,"bytes":18}"#)
            #expect(first.replayed == false)
            let second = try await Self.post(client, key: "order-1", body: #"{"amount":"10.00"}"#)
            #expect(second.status == .created)
            #expect(second.body == #"{"run":1,"bytes":18}"#)
            #expect(second.type == "application/json")
            #expect(second.replayed)
            #expect(probe.runs.withLock { $0 } == 1)
            #expect(try await Self.rows(s, store) == 1)

            let other = try await Self.post(client, key: "order-1", body: #"{"amount":"99.00"}"#)
            #expect(other.status == .unprocessableContent)
            #expect(other.type == "application/problem+json")
            #expect(other.pointer == "Idempotency-Key")
            let query = try await Self.post(client, key: "order-1", body: #"{"amount":"10.00"}"#, path: "/things?x=1")
            #expect(query.status == .unprocessableContent)
            #expect(probe.runs.withLock { $0 } == 1)
        }
    }

    @Test("a POST without Idempotency-Key → 400 naming it, handler not run; a GET needs none; a bad key or a body over 1 MB refused")
    func missingAndLimits() async throws {
        let (_, store, _) = try await Self.fixture()
        let probe = Probe()
        try await Application(responder: Self.router(store, probe: probe)).test(.router) { client in
            let missing = try await Self.post(client, key: nil, body: "{}")
            #expect(missing.status == .badRequest)
            #expect(missing.pointer == "Idempotency-Key")
            #expect(missing.body.contains("Idempotency-Key"))
            let long = try await Self.post(client, key: String(repeating: "k", count: 256), body: "{}")
            #expect(long.status == .badRequest)
            #expect(long.pointer == "Idempotency-Key")
            let control = try await Self.post(client, key: "tab\there", body: "{}")
            #expect(control.status == .badRequest)
            let big = try await Self.post(client, key: "big", body: String(repeating: "a", count: 1_048_577))
            #expect(big.status == .contentTooLarge)
            #expect(big.type == "application/problem+json")
            #expect(probe.runs.withLock { $0 } == 0)
            let get = try await client.execute(uri: "/things", method: .get, headers: [:], body: nil)
            #expect(get.status == .ok)
            #expect(probe.runs.withLock { $0 } == 1)
            let exact = try await Self.post(client, key: "max", body: String(repeating: "a", count: 1_048_576))
            #expect(exact.status == .created)
        }
    }

    @Test("a thrown error (500) or a 503 releases the key: no row, and the retry with the same key runs; a 422 problem is kept and replayed")
    func releaseOnServerErrors() async throws {
        let (s, store, _) = try await Self.fixture()
        let probe = Probe()
        try await Application(responder: Self.router(store, probe: probe)).test(.router) { client in
            probe.mode.withLock { $0 = .throwError }
            let failed = try await Self.post(client, key: "retry-me", body: "{}")
            #expect(failed.status == .internalServerError)
            #expect(try await Self.rows(s, store) == 0)
            probe.mode.withLock { $0 = .answer503 }
            let unavailable = try await Self.post(client, key: "retry-me", body: "{}")
            #expect(unavailable.status == .serviceUnavailable)
            #expect(try await Self.rows(s, store) == 0)
            probe.mode.withLock { $0 = .ok }
            let retried = try await Self.post(client, key: "retry-me", body: "{}")
            #expect(retried.status == .created)
            #expect(retried.body == #"{"run":3,"bytes":2}"#)
            #expect(retried.replayed == false)

            probe.mode.withLock { $0 = .problem422 }
            let invalid = try await Self.post(client, key: "bad-amount", body: #"{"amount":"-1"}"#)
            #expect(invalid.status == .unprocessableContent)
            #expect(invalid.pointer == "/amount")
            probe.mode.withLock { $0 = .ok }
            let again = try await Self.post(client, key: "bad-amount", body: #"{"amount":"-1"}"#)
            #expect(again.status == .unprocessableContent)
            #expect(again.pointer == "/amount")
            #expect(again.replayed)
            #expect(again.type == "application/problem+json")
            #expect(probe.runs.withLock { $0 } == 4)
            #expect(try await Self.rows(s, store) == 2)
        }
    }

    @Test("two requests with one key at once: the handler runs once; the other gets 409 while it runs")
    func concurrentDuplicates() async throws {
        let (s, store, _) = try await Self.fixture()
        let probe = Probe()
        probe.mode.withLock { $0 = .slow }
        let answers = try await Application(responder: Self.router(store, probe: probe)).test(.router) { client in
            try await withThrowingTaskGroup(of: Answer.self) { group in
                for _ in 0..<4 { group.addTask { try await Self.post(client, key: "once", body: "{}") } }
                return try await group.reduce(into: [Answer]()) { $0.append($1) }
            }
        }
        #expect(probe.runs.withLock { $0 } == 1)
        #expect(answers.filter { $0.status == .created && !$0.replayed }.count == 1)
        #expect(answers.allSatisfy { $0.status == .created || $0.status == .conflict })
        #expect(answers.filter { $0.status == .conflict }.allSatisfy { $0.type == "application/problem+json" })
        #expect(try await Self.rows(s, store) == 1)
        // The store itself: a second claim while the first is open is `.running`.
        let hash = Data(repeating: 7, count: 32)
        #expect(try await store.claim(key: "direct", method: "POST", path: "/x", hash: hash) == .claimed)
        #expect(try await store.claim(key: "direct", method: "POST", path: "/x", hash: hash) == .running)
        #expect(try await store.claim(key: "direct", method: "POST", path: "/x", hash: Data(repeating: 8, count: 32)) == .mismatch)
    }

    @Test("rows older than 24 hours expire: the same key then runs again, even with another body")
    func expiry() async throws {
        let (s, store, _) = try await Self.fixture()
        let probe = Probe()
        try await Application(responder: Self.router(store, probe: probe)).test(.router) { client in
            #expect(try await Self.post(client, key: "old", body: "{}").status == .created)
            try await s.tenantDB.transaction(store.tenant) { tx in
                try await tx.query("UPDATE api_idempotency SET created_at = now() - interval '25 hours' WHERE key_id = \(store.keyID)")
            }
            let fresh = try await Self.post(client, key: "old", body: #"{"other":true}"#)
            #expect(fresh.status == .created)
            #expect(fresh.replayed == false)
            #expect(probe.runs.withLock { $0 } == 2)
            #expect(try await Self.rows(s, store) == 1)
        }
    }
}
