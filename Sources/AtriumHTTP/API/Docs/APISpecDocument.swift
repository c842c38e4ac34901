import AtriumCore
import Crypto
import Foundation
import Yams

/// One API's spec as served: the YAML file read at start, the same document as JSON, and the
/// reference page rendered from it, each with a strong ETag. Built once; requests only copy bytes.
public struct APISpecDocument: Sendable {
    /// A body and its ETag (a quoted SHA-256 prefix of the bytes).
    public struct Body: Sendable {
        public let bytes: [UInt8]
        public let etag: String

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
            self.etag = "\"" + Token.hex(SHA256.hash(data: bytes).prefix(16)) + "\""
        }
    }

    public let yaml: Body
    public let json: Body
    public let page: Body
    public let stylesheet: Body
    /// The parsed document (members in file order).
    let spec: SpecValue

    /// Reads `path`, checks it is an OpenAPI 3.1 document with paths, converts it to JSON and
    /// renders the reference page with `renderer`.
    static func load(path: String, renderer: Renderer, stylesheet: [UInt8], links: (json: String, yaml: String, css: String)) throws -> APISpecDocument {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw APISpecError.missing(path) }
        let spec: SpecValue
        do {
            guard let node = try Yams.compose(yaml: text) else { throw APISpecError.invalid("\(path) is empty") }
            spec = try SpecValue(node: node)
        } catch let error as APISpecError {
            throw error
        } catch {
            throw APISpecError.invalid("\(path) is not valid YAML: \(error)")
        }
        guard spec["openapi"]?.text?.hasPrefix("3.1") == true else { throw APISpecError.invalid("\(path): `openapi` must be 3.1.x") }
        guard !(spec["paths"]?.members.isEmpty ?? true) else { throw APISpecError.invalid("\(path) declares no paths") }
        let encoder = JSONEncoder()
        // Sorted keys: the same file gives the same bytes (and ETag) on every server and restart.
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = try encoder.encode(spec)
        let html = try renderer.render("api/reference", brand: nil, context: [
            "lang": "en", "dir": "ltr", "api": APIReference(spec: spec),
            "specJSON": links.json, "specYAML": links.yaml, "stylesheet": links.css,
        ])
        return APISpecDocument(yaml: Body(Array(text.utf8)), json: Body(Array(json)), page: Body(Array(html.utf8)),
                               stylesheet: Body(stylesheet), spec: spec)
    }
}

/// Both APIs' specs, loaded by `makeServices` so a server without them fails at start.
public struct APISpecs: Sendable {
    public let brand: APISpecDocument
    public let platform: APISpecDocument

    /// The spec files under `config.apiSpecsDirectory` (`AtriumBrandAPI/openapi.yaml`, `AtriumPlatformAPI/openapi.yaml`)
    /// and the reference page's stylesheet `templates/static/api-reference.css`.
    public static func load(directory: String, renderer: Renderer, templatesDirectory: String) throws -> APISpecs {
        let cssPath = templatesDirectory + "/static/api-reference.css"
        guard let css = FileManager.default.contents(atPath: cssPath) else { throw APISpecError.missing(cssPath) }
        func document(_ folder: String, _ prefix: String) throws -> APISpecDocument {
            try APISpecDocument.load(path: "\(directory)/\(folder)/openapi.yaml", renderer: renderer, stylesheet: Array(css),
                                     links: (prefix + "/openapi.json", prefix + "/openapi.yaml", prefix + "/docs.css"))
        }
        return APISpecs(brand: try document("AtriumBrandAPI", BrandAPIRouter.prefix),
                        platform: try document("AtriumPlatformAPI", PlatformAPIRouter.prefix))
    }
}
