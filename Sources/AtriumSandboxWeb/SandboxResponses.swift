import Foundation
import Hummingbird
import HTTPTypes
import NIOCore

/// Responses and form parsing of the sandbox PSP (the web target's own helpers are internal to it).
enum SandboxResponses {
    static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return text(String(decoding: data, as: UTF8.self), status: status, contentType: "application/json")
    }

    static func text(_ body: String, status: HTTPResponse.Status = .ok, contentType: String = "text/plain; charset=utf-8") -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// An HTML page whose forms may post to this host and to `formActions` (the merchant's return origins).
    static func html(_ body: String, formActions: [String], status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        headers[.init("X-Frame-Options")!] = "DENY"
        headers[.init("Referrer-Policy")!] = "same-origin"
        let actions = (["'self'"] + formActions).joined(separator: " ")
        headers[.contentSecurityPolicy] = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action \(actions); frame-ancestors 'none'"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func seeOther(_ location: String) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    /// `a=1&b=x+y` as fields (last value wins).
    static func formFields(_ body: String) -> [String: String] {
        var components = URLComponents()
        components.percentEncodedQuery = body.replacingOccurrences(of: "+", with: "%20")
        var out: [String: String] = [:]
        for item in components.queryItems ?? [] where !item.name.isEmpty { out[item.name] = item.value ?? "" }
        return out
    }
}
