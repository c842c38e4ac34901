import AtriumCore
import AtriumIdentity
import Foundation
import Hummingbird

/// A rejected form or request; rendered with a 4xx and the message.
struct RequestRejected: UserFacingError {
    let status: Int
    let publicMessage: String
}

/// URL-encoded form handling with CSRF enforcement.
enum Forms {
    /// The CSRF cookie value of a request (the dispatcher guarantees one exists).
    static func csrfCookieValue(_ request: Request) -> String {
        request.cookies[CSRFProtector.cookieName]?.value ?? ""
    }

    /// Reads an `application/x-www-form-urlencoded` body and checks its CSRF token.
    static func read(_ request: Request, context: some RequestContext, csrf: CSRFProtector, strings: [String: String]) async throws -> [String: String] {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: context.maxUploadSize)
        } catch {
            throw RequestRejected(status: 413, publicMessage: strings["error_too_large"] ?? "The form is too large.")
        }
        let fields = parse(String(buffer: buffer))
        guard csrf.isValid(token: fields[CSRFProtector.fieldName], cookie: request.cookies[CSRFProtector.cookieName]?.value) else {
            throw RequestRejected(status: 403, publicMessage: strings["error_csrf"] ?? "Your session expired. Please reload the page and try again.")
        }
        return fields
    }

    /// Parses `a=1&b=x+y` (last value wins); invalid UTF-8 or escapes become empty values.
    static func parse(_ body: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            let key = decode(parts[0])
            guard !key.isEmpty else { continue }
            out[key] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return out
    }

    /// A trimmed field, required and at most `max` characters, or a clear error naming it.
    static func required(_ fields: [String: String], _ name: String, max: Int = 200, strings: [String: String]) throws -> String {
        let v = (fields[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let label = strings[name == "name" ? "field_full_name" : "field_\(name)"] ?? name
        guard !v.isEmpty else {
            throw RequestRejected(status: 400, publicMessage: "\(label): \(strings["error_required_field"] ?? "required")")
        }
        guard v.count <= max else {
            throw RequestRejected(status: 400, publicMessage: "\(label): " + (strings["error_too_long"] ?? "too long").replacingOccurrences(of: "{{max}}", with: "\(max)"))
        }
        return v
    }
}

/// Response helpers.
enum Responses {
    static func html(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        headers[.init("X-Frame-Options")!] = "DENY"
        headers[.init("Referrer-Policy")!] = "same-origin"
        headers[.contentSecurityPolicy] = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func text(_ body: String, status: HTTPResponse.Status = .ok, contentType: String = "text/plain; charset=utf-8") -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// 303 See Other, the right answer to a successful POST.
    static func seeOther(_ location: String) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    static func sessionCookie(_ audience: Audience, token: String, path: String, secure: Bool) -> Cookie {
        Cookie(name: audience.cookieName, value: token, maxAge: 8 * 3600, path: path, secure: secure, httpOnly: true, sameSite: .lax)
    }

    static func clearCookie(_ audience: Audience, path: String, secure: Bool) -> Cookie {
        Cookie(name: audience.cookieName, value: "", maxAge: 0, path: path, secure: secure, httpOnly: true, sameSite: .lax)
    }
}
