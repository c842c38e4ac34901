import AtriumCore
import AtriumOutbound
import Foundation
import NIOCore
import NIOHTTP1

/// Real HTTP to a trading platform through `AtriumOutbound.OutboundHTTP`, mapping its verdicts
/// onto `PlatformError`: a request that certainly did not take effect is `unavailable`; one that
/// may have (no answer in time, connection lost after sending) is `timeout`, settled by recovery.
/// HTTP statuses are left to the platform clients, which know their dialect's error bodies.
struct PlatformHTTP: Sendable {
    typealias Reply = OutboundHTTP.Reply

    let http: OutboundHTTP

    init(timeout: TimeAmount = .seconds(10), maxBody: Int = 64 << 20) {
        http = OutboundHTTP(timeout: timeout, maxBody: maxBody)
    }

    func send(_ url: String, method: HTTPMethod, headers: [(String, String)], body: [UInt8]?) async throws -> Reply {
        var headers = headers
        if body != nil { headers.append(("Content-Type", "application/json")) }
        do {
            return try await http.send(url, method: method, headers: headers, body: body, label: "\(method) \(Self.path(url))")
        } catch .definite(let message) {
            throw PlatformError.unavailable(message)
        } catch .ambiguous(let message) {
            throw PlatformError.timeout(message)
        } catch .oversized(let message) {
            throw PlatformError.malformed(message)
        }
    }

    /// The path of `url` without its query, for messages (queries can carry secrets).
    static func path(_ url: String) -> String {
        URL(string: url).map(\.path) ?? "?"
    }
}
