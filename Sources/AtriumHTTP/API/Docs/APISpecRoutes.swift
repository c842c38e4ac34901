import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `openapi.json`, `openapi.yaml`, `docs` and `docs.css` under an API's prefix. Registered on the
/// router outside the key-checking group: the contract of an API is public, its data is not.
enum APISpecRoutes {
    /// The YAML media type (RFC 9512).
    static let yamlType = "application/yaml"

    static func register<Context: RequestContext>(on router: Router<Context>, prefix: String, document: APISpecDocument) {
        router.add(middleware: APIMethodMiddleware(prefix: prefix, spec: document.spec))
        router.get(RouterPath(prefix + "/openapi.json")) { request, _ in serve(document.json, "application/json", request) }
        router.get(RouterPath(prefix + "/openapi.yaml")) { request, _ in serve(document.yaml, yamlType + "; charset=utf-8", request) }
        router.get(RouterPath(prefix + "/docs")) { request, _ in
            var response = serve(document.page, "text/html; charset=utf-8", request)
            // The page has no script and loads only its own stylesheet.
            response.headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'none'"
            response.headers[.init("X-Content-Type-Options")!] = "nosniff"
            response.headers[.init("Referrer-Policy")!] = "same-origin"
            return response
        }
        router.get(RouterPath(prefix + "/docs.css")) { request, _ in serve(document.stylesheet, "text/css; charset=utf-8", request) }
    }

    /// 200 with the body and its ETag, or 304 when the client already holds this version.
    static func serve(_ body: APISpecDocument.Body, _ contentType: String, _ request: Request) -> Response {
        var headers = HTTPFields()
        headers[.eTag] = body.etag
        // Clients may keep a copy for five minutes, then revalidate with If-None-Match.
        headers[.cacheControl] = "public, max-age=300"
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == body.etag || $0 == "*" }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body.bytes)))
    }
}
