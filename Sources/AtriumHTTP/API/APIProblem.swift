import AtriumCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OpenAPIRuntime

/// An API error answered as `application/problem+json` (RFC 9457). Handlers and middleware throw
/// it; `APIProblemMiddleware` turns it (and any other error) into the response, so no stack
/// trace or SQL reaches a client.
public struct APIProblem: Error, Sendable, Equatable {
    /// One invalid field: a JSON Pointer into the body (`/amount`) or a parameter name.
    public struct FieldError: Sendable, Equatable, Codable {
        public let pointer: String
        public let detail: String
        public init(pointer: String, detail: String) { self.pointer = pointer; self.detail = detail }
    }

    public let status: HTTPResponse.Status
    public let type: String
    public let title: String
    public let detail: String?
    public var scope: String?
    public var errors: [FieldError]
    /// Extra response headers (`Retry-After` on 429).
    public var headers: [String: String]

    public init(status: HTTPResponse.Status, type: String = "about:blank", title: String? = nil, detail: String? = nil,
                scope: String? = nil, errors: [FieldError] = [], headers: [String: String] = [:]) {
        self.status = status
        self.type = type
        self.title = title ?? status.reasonPhrase
        self.detail = detail
        self.scope = scope
        self.errors = errors
        self.headers = headers
    }

    static let base = "https://atrium.dev/problems/"

    /// 401: no key, a malformed one, or not a live key of this brand (the answer never says which).
    public static func unauthorized() -> APIProblem {
        APIProblem(status: .unauthorized, type: base + "unauthorized", title: "Unauthorized",
                   detail: "Send a live API key of this brand as `Authorization: Bearer <key>`.",
                   headers: ["WWW-Authenticate": "Bearer"])
    }

    /// 403: the key lacks `scope`.
    public static func forbidden(scope: String) -> APIProblem {
        APIProblem(status: .forbidden, type: base + "missing-scope", title: "Missing scope",
                   detail: "This API key lacks the scope \(scope).", scope: scope)
    }

    /// 404: nothing of that kind with that id in this brand.
    public static func notFound(_ what: String) -> APIProblem {
        APIProblem(status: .notFound, type: base + "not-found", title: "Not found", detail: "No \(what) with that id in this brand.")
    }

    /// 422 (or `status`) naming the invalid fields.
    public static func invalid(_ errors: [FieldError], status: HTTPResponse.Status = .unprocessableContent, detail: String? = nil) -> APIProblem {
        APIProblem(status: status, type: base + "validation", title: "Invalid request",
                   detail: detail ?? errors.map { "\($0.pointer): \($0.detail)" }.joined(separator: "; "), errors: errors)
    }

    /// 400 for one malformed parameter or body.
    public static func badRequest(pointer: String, _ detail: String) -> APIProblem {
        invalid([FieldError(pointer: pointer, detail: detail)], status: .badRequest)
    }

    /// 429 with `Retry-After`.
    public static func tooManyRequests(retryAfter seconds: Int) -> APIProblem {
        APIProblem(status: .tooManyRequests, type: base + "rate-limited", title: "Too many requests",
                   detail: "This API key's rate limit is used up; retry after \(seconds) s.", headers: ["Retry-After": String(seconds)])
    }

    /// 500 without details (the request id in `X-Request-Id` finds the log line).
    public static func internalError() -> APIProblem {
        APIProblem(status: .internalServerError, type: base + "internal", title: "Internal error",
                   detail: "Something went wrong on our side; the X-Request-Id header identifies this request in our logs.")
    }

    /// The media type of every error answer.
    public static let mediaType = "application/problem+json"

    /// The JSON body (`type`, `title`, `status`, `detail`, `scope`, `errors`; absent members omitted).
    public var body: String {
        struct Body: Encodable {
            let type: String, title: String, status: Int
            let detail: String?, scope: String?, errors: [FieldError]?
        }
        let value = Body(type: type, title: title, status: status.code, detail: detail, scope: scope, errors: errors.isEmpty ? nil : errors)
        return (try? CanonicalJSON.text(value)) ?? #"{"type":"about:blank","title":"Internal error","status":500}"#
    }

    /// The Hummingbird response.
    public func response() -> Response {
        var fields = HTTPFields()
        fields[.contentType] = Self.mediaType
        for (name, value) in headers { if let n = HTTPField.Name(name) { fields[n] = value } }
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}

/// Outermost middleware of both APIs: every thrown error becomes problem+json. Errors the
/// generated code raises while decoding a request (a bad parameter or body) are 400s naming what
/// failed; anything unexpected is logged and answered 500 without details.
struct APIProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as APIProblem {
            return problem.response()
        } catch let error as ServerError {
            if let problem = error.underlyingError as? APIProblem { return problem.response() }
            if error.underlyingError is DecodingError || error.causeDescription.localizedCaseInsensitiveContains("decod")
                || error.causeDescription.localizedCaseInsensitiveContains("parameter") || error.causeDescription.localizedCaseInsensitiveContains("content type") {
                return APIProblem.badRequest(pointer: Self.pointer(error), Self.describe(error)).response()
            }
            context.logger.error("api error", metadata: ["error": "\(String(reflecting: error.underlyingError))", "operation": "\(error.operationID)"])
            return APIProblem.internalError().response()
        } catch let error as HTTPError {
            return APIProblem(status: error.status, detail: error.body).response()
        } catch {
            context.logger.error("api error", metadata: ["error": "\(String(reflecting: error))"])
            return APIProblem.internalError().response()
        }
    }

    /// A short, safe description of a request the generated code could not decode.
    static func describe(_ error: ServerError) -> String {
        if case DecodingError.dataCorrupted(let c)? = error.underlyingError as? DecodingError { return c.debugDescription }
        if case DecodingError.keyNotFound(let key, _)? = error.underlyingError as? DecodingError { return "missing field \(key.stringValue)" }
        if case DecodingError.typeMismatch(let type, _)? = error.underlyingError as? DecodingError { return "expected \(type)" }
        if case DecodingError.valueNotFound(let type, _)? = error.underlyingError as? DecodingError { return "missing \(type)" }
        return error.causeDescription
    }

    /// The JSON Pointer of the field a decoding error names (`/` for the body as a whole).
    static func pointer(_ error: ServerError) -> String {
        let path: [any CodingKey]
        switch error.underlyingError as? DecodingError {
        case .dataCorrupted(let c)?: path = c.codingPath
        case .keyNotFound(let key, let c)?: path = c.codingPath + [key]
        case .typeMismatch(_, let c)?: path = c.codingPath
        case .valueNotFound(_, let c)?: path = c.codingPath
        default: return "/"
        }
        return "/" + path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: "/")
    }
}
