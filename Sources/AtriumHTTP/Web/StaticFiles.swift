import AtriumCore
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird
import HTTPTypes
import Logging

/// Serves `templates/static/*` and a brand's `templates/brands/<slug>/static/*` (as `/static/brand/*`).
enum StaticFiles {
    static func serve(path: String, brand: String?, root: String) -> Response {
        let name = (path as NSString).lastPathComponent
        guard name.range(of: "^[A-Za-z0-9_.-]+\\.(css|svg|png|ico)$", options: .regularExpression) != nil, !name.contains("..") else {
            return Responses.text("not found\n", status: .notFound)
        }
        let file: String
        if path == "/static/brand/\(name)", let brand {
            file = "\(root)/brands/\(brand)/static/\(name)"
        } else if path == "/static/\(name)" {
            file = "\(root)/static/\(name)"
        } else {
            return Responses.text("not found\n", status: .notFound)
        }
        guard let data = FileManager.default.contents(atPath: file) else { return Responses.text("not found\n", status: .notFound) }
        let type = switch (name as NSString).pathExtension {
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        default: "image/x-icon"
        }
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "public, max-age=300"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
