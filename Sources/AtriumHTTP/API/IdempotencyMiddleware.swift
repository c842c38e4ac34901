import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OpenAPIRuntime

/// A stored first answer to an idempotent request.
struct IdempotentAnswer: Sendable, Equatable {
    let status: Int
    let contentType: String?
    let body: Data
}

/// What claiming an `Idempotency-Key` found.
enum IdempotencyClaim: Sendable, Equatable {
    /// The key is new: this request runs, and its answer is stored or the claim released.
    case claimed
    /// The same key with the same request already completed: answer this again.
    case completed(IdempotentAnswer)
    /// The same key with the same request is still running.
    case running
    /// The same key was used for a different request.
    case mismatch
}

/// Where one API keeps its idempotency rows. The owner (the calling key) comes from the
/// principal its key middleware set, so the store runs after that middleware.
protocol IdempotencyStore: Sendable {
    /// Claims `key` for this request (an `INSERT … ON CONFLICT DO NOTHING` committed before the
    /// request runs), or reports what an earlier request with that key left.
    func claim(key: String, method: String, path: String, hash: Data) async throws -> IdempotencyClaim
    /// Stores the answer of the request that claimed `key`.
    func complete(key: String, answer: IdempotentAnswer) async throws
    /// Deletes the claim, so the client may retry with the same key.
    func release(key: String) async throws
}

/// Idempotency for POST (required) and PATCH/DELETE (when the client sends a key): the first
/// request with a key runs and its 2xx/4xx answer is kept for 24 hours; a repeat with the same
/// request gets that answer again (`Idempotent-Replayed: true`), a different request with the
/// same key 422, a repeat while the first still runs 409. A 5xx or an unexpected error releases
/// the key so the client can retry.
struct IdempotencyMiddleware<Context: RequestContext, Store: IdempotencyStore>: RouterMiddleware {
    /// The request header.
    static var header: HTTPField.Name { HTTPField.Name("Idempotency-Key")! }
    /// Set on an answer that repeats a stored one.
    static var replayedHeader: HTTPField.Name { HTTPField.Name("Idempotent-Replayed")! }
    /// Largest request body an idempotent request may have (its bytes are hashed).
    static var maxBodyBytes: Int { 1_048_576 }
    /// Largest answer that is stored; a bigger one releases the key (no API answers that much to a write).
    static var maxStoredBytes: Int { 4 * 1_048_576 }

    /// The store of the calling principal; nil when there is none (the key middleware answers 401 before).
    let store: @Sendable () throws -> Store

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let method = request.method
        guard method == .post || method == .patch || method == .delete else { return try await next(request, context) }
        guard let key = request.headers[Self.header] else {
            guard method == .post else { return try await next(request, context) }
            throw APIProblem.badRequest(pointer: "Idempotency-Key", "every POST needs an Idempotency-Key header (1 to 255 printable ASCII characters)")
        }
        guard Self.isValid(key) else {
            throw APIProblem.badRequest(pointer: "Idempotency-Key", "must be 1 to 255 printable ASCII characters")
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: Self.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw APIProblem(status: .contentTooLarge, type: APIProblem.base + "too-large", title: "Request too large",
                             detail: "A request body may have at most \(Self.maxBodyBytes) bytes.")
        }
        let path = request.uri.path
        let hash = Self.hash(method: method.rawValue, path: path, query: request.uri.query ?? "", body: body)
        let store = try store()
        switch try await store.claim(key: key, method: method.rawValue, path: path, hash: hash) {
        case .completed(let answer):
            return Self.replay(answer)
        case .running:
            throw APIProblem(status: .conflict, type: APIProblem.base + "idempotency-in-progress", title: "Request in progress",
                             detail: "A request with this Idempotency-Key is still running; retry once it has finished.")
        case .mismatch:
            throw APIProblem.invalid([.init(pointer: "Idempotency-Key", detail: "this key was already used for a different request")],
                                     detail: "This Idempotency-Key was already used with a different method, path or body.")
        case .claimed:
            break
        }
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            // A problem the client caused (4xx) is its answer, kept like any other; anything else
            // is ours: release the key so the same request can be retried.
            guard let problem = Self.clientProblem(error) else {
                try? await store.release(key: key)
                throw error
            }
            response = problem.response()
        }
        guard response.status.code < 500 else {
            try await store.release(key: key)
            return response
        }
        var buffer = ByteBuffer()
        do {
            buffer = try await Self.collect(response.body)
        } catch {
            try? await store.release(key: key)
            throw error
        }
        let answer = IdempotentAnswer(status: response.status.code, contentType: response.headers[.contentType], body: Data(buffer: buffer))
        do {
            try await store.complete(key: key, answer: answer)
        } catch {
            try? await store.release(key: key)
            throw error
        }
        var out = response
        out.body = ResponseBody(byteBuffer: buffer)
        return out
    }

    /// 1 to 255 printable ASCII characters (0x20–0x7E).
    static func isValid(_ key: String) -> Bool {
        (1...255).contains(key.utf8.count) && key.utf8.allSatisfy { (0x20...0x7E).contains($0) }
    }

    /// SHA-256 over method, path, query and body, each length-prefixed so no two requests share an input.
    static func hash(method: String, path: String, query: String, body: ByteBuffer) -> Data {
        var sha = SHA256()
        for part in [Data(method.utf8), Data(path.utf8), Data(query.utf8), Data(buffer: body)] {
            sha.update(data: Data("\(part.count):".utf8))
            sha.update(data: part)
        }
        return Data(sha.finalize())
    }

    /// The stored answer, marked as a repeat.
    static func replay(_ answer: IdempotentAnswer) -> Response {
        var headers = HTTPFields()
        if let type = answer.contentType { headers[.contentType] = type }
        headers[replayedHeader] = "true"
        return Response(status: HTTPResponse.Status(code: answer.status), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    /// The problem a thrown error answers when the client caused it (status below 500).
    static func clientProblem(_ error: any Error) -> APIProblem? {
        let problem = (error as? APIProblem) ?? ((error as? ServerError)?.underlyingError as? APIProblem)
        guard let problem, problem.status.code < 500 else { return nil }
        return problem
    }

    /// The bytes of a response body, up to `maxStoredBytes`.
    static func collect(_ body: ResponseBody) async throws -> ByteBuffer {
        let collector = BodyCollector(limit: maxStoredBytes)
        try await body.write(collector)
        return try collector.buffer()
    }
}

/// Writes a response body into memory.
private final class BodyCollector: ResponseBodyWriter, @unchecked Sendable {
    // Only the task that writes the body touches it; @unchecked because ResponseBodyWriter is not Sendable-constrained.
    private let limit: Int
    private var collected = ByteBuffer()
    private var tooLarge = false

    init(limit: Int) { self.limit = limit }

    func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        guard collected.readableBytes + buffer.readableBytes <= limit else { tooLarge = true; return }
        collected.writeBuffer(&buffer)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}

    func buffer() throws -> ByteBuffer {
        guard !tooLarge else { throw APIProblem.internalError() }
        return collected
    }
}
