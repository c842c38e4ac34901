import AtriumCore
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Real HTTP to a trading platform with a deadline, mapping transport failures onto
/// `PlatformError`: a connection that never opened is `unavailable` (nothing was applied); a
/// request that got no answer in time is `timeout` (it may have been applied).
struct PlatformHTTP: Sendable {
    struct Reply: Sendable {
        let status: Int
        let headers: HTTPHeaders
        let body: [UInt8]
    }

    let timeout: TimeAmount
    let maxBody: Int

    init(timeout: TimeAmount = .seconds(10), maxBody: Int = 64 << 20) {
        self.timeout = timeout
        self.maxBody = maxBody
    }

    func send(_ url: String, method: HTTPMethod, headers: [(String, String)], body: [UInt8]?) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: timeout)
            let buffer = try await response.body.collect(upTo: maxBody)
            return Reply(status: Int(response.status.code), headers: response.headers, body: Array(buffer.readableBytesView))
        } catch let error as HTTPClientError {
            let definite: [HTTPClientError] = [.connectTimeout, .invalidURL, .emptyHost, .emptyScheme, .alreadyShutdown, .getConnectionFromPoolTimeout]
            if definite.contains(error) { throw PlatformError.unavailable("\(method) \(Self.path(url)): \(error)") }
            throw PlatformError.timeout("\(method) \(Self.path(url)): \(error)")
        } catch is NIOTooManyBytesError {
            throw PlatformError.malformed("\(method) \(Self.path(url)): answer larger than \(maxBody) bytes")
        } catch is NIOConnectionError {
            throw PlatformError.unavailable("\(method) \(Self.path(url)): connection refused")
        } catch let error as IOError where [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH].contains(error.errnoCode) {
            throw PlatformError.unavailable("\(method) \(Self.path(url)): \(error)")
        } catch {
            throw PlatformError.timeout("\(method) \(Self.path(url)): \(error)")
        }
    }

    /// The path of `url` without its query, for messages (queries can carry secrets).
    static func path(_ url: String) -> String {
        URL(string: url).map(\.path) ?? "?"
    }
}
