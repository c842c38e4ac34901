import AtriumCore
import AtriumIdentity
import Foundation
import Hummingbird

/// A rejected form or request; rendered with a 4xx and the message.
struct RequestRejected: UserFacingError {
    let status: Int
    let publicMessage: String
}

/// Form handling: Hummingbird's URL-encoded decoder and multipart-kit behind our size limits,
/// CSRF enforcement, and one text check on every field, so that no handler can forget it.
enum Forms {
    /// Fields a template renders as a `<textarea>`: only these may hold TAB, CR and LF.
    /// Add a field's name here when its template gets a textarea.
    static let multiLineFields: Set<String> = ["message", "details", "client_note", "body"]

    /// The CSRF cookie value of a request (the dispatcher guarantees one exists).
    static func csrfCookieValue(_ request: Request) -> String {
        request.cookies[CSRFProtector.cookieName]?.value ?? ""
    }

    /// Reads an `application/x-www-form-urlencoded` body, checks its CSRF token, then checks every
    /// field's text (a 400 naming the first bad field).
    static func read(_ request: Request, context: some RequestContext, csrf: CSRFProtector, strings: [String: String]) async throws -> [String: String] {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: context.maxUploadSize)
        } catch {
            throw RequestRejected(status: 413, publicMessage: strings["error_too_large"] ?? "The form is too large.")
        }
        let fields = try decode(String(buffer: buffer), strings: strings)
        guard csrf.isValid(token: fields[CSRFProtector.fieldName], cookie: request.cookies[CSRFProtector.cookieName]?.value) else {
            throw RequestRejected(status: 403, publicMessage: strings["error_csrf"] ?? "Your session expired. Please reload the page and try again.")
        }
        try check(fields, strings: strings)
        return fields
    }

    /// Reads a `multipart/form-data` body of at most `maxBytes` (multipart-kit behind our part
    /// limits), checks its CSRF token, then checks every text field's text (a 400 naming the first
    /// bad one). A body or a part over its limit throws `tooLarge`.
    static func readMultipart(_ request: Request, maxBytes: Int, csrf: CSRFProtector, strings: [String: String], tooLarge: any Error) async throws -> [FormPart] {
        var request = request
        let body: ByteBuffer
        do { body = try await request.collectBody(upTo: maxBytes) } catch { throw tooLarge }
        let parts: [FormPart]
        do {
            parts = try MultipartFormData.parse(Array(buffer: body), contentType: request.headers[.contentType] ?? "")
        } catch .partTooLarge {
            throw tooLarge
        } catch {
            throw RequestRejected(status: 400, publicMessage: strings["error_upload_form"] ?? "\(error)")
        }
        let token = parts.first { $0.name == CSRFProtector.fieldName && $0.fileName == nil }?.text?.trimmingCharacters(in: .whitespaces)
        guard csrf.isValid(token: token, cookie: request.cookies[CSRFProtector.cookieName]?.value) else {
            throw RequestRejected(status: 403, publicMessage: strings["error_csrf"] ?? "Your session expired. Please reload the page and try again.")
        }
        for part in parts where part.fileName == nil {
            guard FormText.problem(in: part.name) == nil else {
                throw RequestRejected(status: 400, publicMessage: strings["error_form_unreadable"] ?? "The form could not be read.")
            }
            if FormText.problem(inBytes: part.data, multiLine: multiLineFields.contains(part.name)) != nil {
                throw InputError(field: label(part.name, strings: strings), reason: strings["error_invalid_characters"] ?? "contains characters that are not allowed")
            }
        }
        return parts
    }

    /// Decodes `a=1&b=x+y` with Hummingbird's `URLEncodedFormDecoder`. Bodies it refuses (a bad
    /// escape, a key given twice, bracketed keys that do not make flat fields) are a 400.
    /// Invalid UTF-8 decodes to U+FFFD, which `check` then refuses with the field's name.
    static func decode(_ body: String, strings: [String: String]) throws -> [String: String] {
        do {
            return try URLEncodedFormDecoder().decode([String: String].self, from: body)
        } catch {
            throw RequestRejected(status: 400, publicMessage: strings["error_form_unreadable"] ?? "The form could not be read.")
        }
    }

    /// Splits `a=1&b=x+y` into flat fields (last value wins), without the field check: only for the
    /// sandbox PSP's Stripe-style API, whose bracketed keys (`line_items[0][price]`) are field names
    /// there, where Hummingbird's decoder would nest them.
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

    /// Refuses NUL, invalid UTF-8 and control characters in any field, naming the field.
    static func check(_ fields: [String: String], strings: [String: String]) throws {
        // Sorted, so that the field named is the same whatever the dictionary's order.
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            guard FormText.problem(in: name) == nil else {
                throw RequestRejected(status: 400, publicMessage: strings["error_form_unreadable"] ?? "The form could not be read.")
            }
            if FormText.problem(in: value, multiLine: multiLineFields.contains(name)) != nil {
                throw InputError(field: label(name, strings: strings), reason: strings["error_invalid_characters"] ?? "contains characters that are not allowed")
            }
        }
    }

    /// The first query parameter that holds NUL, invalid UTF-8 or a control character, as a 400
    /// naming it; nil when the query is clean. The dispatcher asks before any handler runs.
    static func queryRejection(_ request: Request, strings: @autoclosure () -> [String: String]) -> (any UserFacingError)? {
        for (name, value) in request.uri.queryParameters {
            guard FormText.problem(in: name) == nil else {
                return RequestRejected(status: 400, publicMessage: strings()["error_query_unreadable"] ?? "The address could not be read.")
            }
            if FormText.problem(in: value) != nil {
                return InputError(field: String(name), reason: strings()["error_invalid_characters"] ?? "contains characters that are not allowed")
            }
        }
        return nil
    }

    /// The user-facing label of a field: its `field_…` string, else its name.
    static func label(_ name: String, strings: [String: String]) -> String {
        strings[name == "name" ? "field_full_name" : "field_\(name)"] ?? name
    }

    /// A trimmed field, required and at most `max` characters, or a clear error naming it.
    static func required(_ fields: [String: String], _ name: String, max: Int = 200, strings: [String: String]) throws -> String {
        let v = (fields[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let label = label(name, strings: strings)
        guard !v.isEmpty else {
            throw RequestRejected(status: 400, publicMessage: "\(label): \(strings["error_required_field"] ?? "required")")
        }
        guard v.count <= max else {
            throw RequestRejected(status: 400, publicMessage: "\(label): " + (strings["error_too_long"] ?? "too long").replacingOccurrences(of: "{{max}}", with: "\(max)"))
        }
        return v
    }
}

/// Response helpers (the sandbox PSP in `AtriumSandboxWeb` uses them too, hence `package`).
package enum Responses {
    /// An HTML page with the security headers every page gets. Its forms may post to this host and
    /// to `formActions` (the sandbox checkout posts back to the merchant's return origins).
    package static func html(_ body: String, formActions: [String] = [], status: HTTPResponse.Status = .ok) -> Response {
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

    /// A body of `contentType` (plain text by default) without page headers.
    package static func text(_ body: String, status: HTTPResponse.Status = .ok, contentType: String = "text/plain; charset=utf-8") -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// 303 See Other, the right answer to a successful POST.
    package static func seeOther(_ location: String) -> Response {
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
