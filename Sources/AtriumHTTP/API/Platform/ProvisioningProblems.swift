import AtriumBrandConfig
import AtriumCore
import AtriumPlatformAPI
import AtriumTenancy
import Foundation
import HTTPTypes

/// Provisioning refusals as problem+json, with JSON pointers into the brand document.
enum ProvisioningProblems {
    /// Runs `body`, answering `ProvisioningError` and `ConfigValidationError` as problems.
    static func mapping<R: Sendable>(_ body: () async throws -> R) async throws -> R {
        do {
            return try await body()
        } catch let error as ProvisioningError {
            throw problem(error)
        } catch let error as ConfigValidationError {
            throw APIProblem.invalid(error.problems.map(field))
        }
    }

    /// The problem of one refusal (its status is the service's own).
    static func problem(_ error: ProvisioningError) -> APIProblem {
        switch error {
        case .invalidConfig(let e):
            return APIProblem.invalid(e.problems.map(field))
        case .slugTaken:
            return APIProblem(status: .conflict, type: APIProblem.base + "tenant-exists", title: "Brand exists", detail: error.description,
                              errors: [.init(pointer: "/slug", detail: "already used by another brand")])
        case .domainTaken(let domain):
            return APIProblem(status: .conflict, type: APIProblem.base + "domain-taken", title: "Domain taken", detail: error.description,
                              errors: [.init(pointer: "/domains", detail: "\(domain) is used by another brand")])
        case .notFound(let slug):
            return APIProblem(status: .notFound, type: APIProblem.base + "not-found", title: "Not found", detail: "No brand with the slug \(slug).")
        case .confirmationMismatch(let slug):
            return APIProblem.invalid([.init(pointer: "/confirm", detail: "type the slug \"\(slug)\" to confirm the deletion")])
        default:
            return APIProblem(status: HTTPResponse.Status(code: error.status), type: APIProblem.base + "provisioning", detail: error.description)
        }
    }

    /// A validation problem as a field error: `psps[0].id` → `/psps/0/id`, the whole document → `/`.
    static func field(_ problem: ConfigValidationError.Problem) -> APIProblem.FieldError {
        APIProblem.FieldError(pointer: pointer(problem.path), detail: problem.expected)
    }

    /// The JSON Pointer (RFC 6901) of a validation path.
    static func pointer(_ path: String) -> String {
        guard !path.isEmpty, !path.hasPrefix("(") else { return "/" }
        let tokens = path.replacingOccurrences(of: "]", with: "").replacingOccurrences(of: "[", with: ".")
            .split(separator: ".", omittingEmptySubsequences: true)
            .map { $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }
        return "/" + tokens.joined(separator: "/")
    }
}

/// The brand document of the provisioning API: a brand file as JSON.
enum TenantDocument {
    /// The name validation messages give the document.
    static let file = "request"

    /// Validates the posted document exactly as `atrium tenant apply` validates a file: JSON is
    /// YAML, so the same parser, secret check and semantic checks run on the same text.
    static func config(from document: AtriumPlatformAPI.Components.Schemas.TenantDocument) throws -> TenantConfig {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = String(decoding: try encoder.encode(document), as: UTF8.self)
        do {
            return try TenantConfig.parse(yaml: text, file: file)
        } catch let error as ConfigValidationError {
            throw APIProblem.invalid(error.problems.map(ProvisioningProblems.field))
        }
    }

    /// The document `atrium tenant export` writes (YAML) as the API's JSON body.
    static func json(exported yaml: String, slug: String) throws -> AtriumPlatformAPI.Components.Schemas.TenantDocument {
        let config = try TenantConfig.parse(yaml: yaml, file: slug)
        return try JSONDecoder().decode(AtriumPlatformAPI.Components.Schemas.TenantDocument.self, from: Data(try config.canonicalJSON().utf8))
    }

    /// A production refusal (`request: psps[0].mode: …`) as a field error.
    static func productionProblem(_ text: String) -> APIProblem.FieldError {
        let parts = text.components(separatedBy: ": ")
        let path = parts.count > 2 ? parts[1] : ""
        return APIProblem.FieldError(pointer: ProvisioningProblems.pointer(path), detail: parts.dropFirst(parts.count > 2 ? 2 : 1).joined(separator: ": "))
    }
}

/// List cursors of the brand list: the last slug of a page (keyset on the slug). Slugs are public
/// in the API anyway, and any string of the slug's shape is a valid position, so every cursor the
/// spec allows names a place in the list (no "schema-valid but refused" cursor).
enum TenantCursor {
    static func encode(_ slug: String) -> String { slug }

    /// The position in a cursor; one not of the slug's shape is a 400 naming `cursor`.
    static func decode(_ cursor: String?) throws -> String? {
        guard let cursor else { return nil }
        guard (2...30).contains(cursor.count), let first = cursor.unicodeScalars.first, ("a"..."z").contains(first),
              cursor.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) })
        else { throw APIProblem.badRequest(pointer: "cursor", "not a cursor from a previous page") }
        return cursor
    }
}
