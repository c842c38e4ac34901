import Foundation
import Hummingbird
import HTTPTypes
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import NIOCore

/// A tiny browser-like helper over the test client: keeps cookies per host and fills CSRF tokens.
final class FormClient: @unchecked Sendable {
    let client: any TestClientProtocol
    let host: String
    var cookies: [String: String] = [:]

    init(_ client: any TestClientProtocol, host: String) {
        self.client = client
        self.host = host
    }

    var cookieHeader: String { cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }

    /// GET, remembering cookies; returns status and body.
    @discardableResult
    func get(_ path: String) async throws -> (status: HTTPResponse.Status, body: String, headers: HTTPFields) {
        try await send(path, method: .get, body: nil)
    }

    /// POST a form; the CSRF token is fetched from `csrfFrom` first unless `csrf` is false.
    @discardableResult
    func post(_ path: String, _ fields: [String: String], csrfFrom page: String? = nil, csrf: Bool = true) async throws -> (status: HTTPResponse.Status, body: String, headers: HTTPFields) {
        var fields = fields
        if csrf {
            let form = try await get(page ?? path)
            fields["_csrf"] = Self.csrfToken(in: form.body)
        }
        let body = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return try await send(path, method: .post, body: body)
    }

    static func csrfToken(in html: String) -> String {
        guard let r = html.range(of: #"name="_csrf" value="([^"]+)""#, options: .regularExpression) else { return "" }
        return String(html[r]).replacingOccurrences(of: #"name="_csrf" value=""#, with: "").replacingOccurrences(of: "\"", with: "")
    }

    private func send(_ path: String, method: HTTPRequest.Method, body: String?) async throws -> (status: HTTPResponse.Status, body: String, headers: HTTPFields) {
        var headers: HTTPFields = [HTTPField.Name("Host")!: host]
        if !cookies.isEmpty { headers[.cookie] = cookieHeader }
        if body != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        for value in response.headers[values: .setCookie] {
            let pair = value.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let name = String(pair[0]), v = String(pair[1])
            if v.isEmpty || value.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = v }
        }
        return (response.status, String(buffer: response.body), response.headers)
    }
}
