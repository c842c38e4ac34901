import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix

/// Outbound HTTP with a deadline for every caller that asks another system to do something (PSPs,
/// trading platforms). Its one job is to say, when a call fails, whether the request could have
/// taken effect: a definite failure may be retried elsewhere or given up; an ambiguous one must be
/// settled by asking the other side (or retried with the same idempotency key).
public struct OutboundHTTP: Sendable {
    /// An HTTP answer of any status.
    public struct Reply: Sendable {
        public let status: Int
        public let headers: HTTPHeaders
        public let body: [UInt8]

        /// nil for 1xx–3xx; what a 4xx or 5xx answer means for the request otherwise.
        public var failure: OutboundFailure? {
            switch status {
            case ..<400: nil
            // 503 says the server did not handle the request (RFC 9110 §15.6.4), like a 4xx.
            case 400..<500, 503: .definite("HTTP \(status)")
            default: .ambiguous("HTTP \(status)")
            }
        }
    }

    public let timeout: TimeAmount
    public let maxBody: Int

    public init(timeout: TimeAmount, maxBody: Int = 1 << 20) {
        self.timeout = timeout
        self.maxBody = maxBody
    }

    /// Sends the request and returns the answer whatever its status; transport failures are thrown
    /// as `OutboundFailure` (`label` names the call in messages: never put secrets in it).
    public func send(_ url: String, method: HTTPMethod, headers: [(String, String)], body: [UInt8]?, label: String) async throws(OutboundFailure) -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: timeout)
        } catch {
            throw Self.classify(error, label: label)
        }
        do {
            let buffer = try await response.body.collect(upTo: maxBody)
            return Reply(status: Int(response.status.code), headers: response.headers, body: Array(buffer.readableBytesView))
        } catch is NIOTooManyBytesError {
            throw .oversized("\(label): answer larger than \(maxBody) bytes")
        } catch {
            // The status line arrived: the request was received and may have been applied.
            throw .ambiguous("\(label): reading the answer: \(error)")
        }
    }

    /// Definite only where no byte of the request can have reached the server.
    static func classify(_ error: any Error, label: String) -> OutboundFailure {
        if let e = error as? HTTPClientError, definiteClientErrors.contains(e) { return .definite("\(label): \(e)") }
        if error is NIOConnectionError || error is SocketAddressError { return .definite("\(label): could not connect: \(error)") }
        if let e = error as? ChannelError, case .connectTimeout = e { return .definite("\(label): could not connect: \(e)") }
        if let e = error as? IOError, [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH].contains(e.errnoCode) {
            return .definite("\(label): could not connect: \(e)")
        }
        // Deadline passed, connection reset or closed after sending: the other side may have acted.
        return .ambiguous("\(label): \(error)")
    }

    static let definiteClientErrors: [HTTPClientError] = [
        .connectTimeout, .invalidURL, .emptyHost, .emptyScheme, .alreadyShutdown, .getConnectionFromPoolTimeout,
    ]
}

/// Why an outbound call failed, by whether it may have taken effect.
public enum OutboundFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// The request certainly did not take effect: no connection (refused, DNS, bad URL) or a 4xx/503 answer.
    case definite(String)
    /// It may have: no answer in time after sending, the connection dropped, a 5xx other than 503.
    case ambiguous(String)
    /// An answer larger than the caller allows; the request was delivered (so also ambiguous).
    case oversized(String)

    /// Whether the other side may have acted on the request.
    public var mayHaveTakenEffect: Bool {
        if case .definite = self { return false }
        return true
    }

    public var description: String {
        switch self {
        case .definite(let m): "not applied: \(m)"
        case .ambiguous(let m): "outcome unknown: \(m)"
        case .oversized(let m): "outcome unknown: \(m)"
        }
    }
}
