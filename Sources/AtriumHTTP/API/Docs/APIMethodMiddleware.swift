import Foundation
import HTTPTypes
import Hummingbird

/// Answers `405 Method Not Allowed` (with `Allow`) when a path of the spec is called with a method
/// the spec does not declare for it; the router alone says 404, as if the path did not exist.
struct APIMethodMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Each path template of the spec as a pattern over the full request path, with its methods.
    let routes: [(pattern: NSRegularExpression, methods: [String])]

    init(prefix: String, spec: SpecValue) {
        routes = (spec["paths"]?.members ?? []).compactMap { template, item in
            let methods = item.members.map(\.0).filter { APIReference.methods.contains($0) }.map { $0.uppercased() }
            // `{name}` matches one path segment; everything else literally.
            let pattern = NSRegularExpression.escapedPattern(for: prefix + template)
                .replacingOccurrences(of: #"\\\{[^}/]+\\\}"#, with: "[^/]+", options: .regularExpression)
                .replacingOccurrences(of: #"\{[^}/]+\}"#, with: "[^/]+", options: .regularExpression)
            guard let regex = try? NSRegularExpression(pattern: "^" + pattern + "$") else { return nil }
            return (regex, methods)
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path
            let range = NSRange(path.startIndex..., in: path)
            guard let route = routes.first(where: { $0.pattern.firstMatch(in: path, range: range) != nil }),
                  !route.methods.contains(request.method.rawValue) else { throw error }
            throw APIProblem(status: .methodNotAllowed, detail: "\(request.method.rawValue) is not an operation of \(path); see the API spec.",
                             headers: ["Allow": route.methods.joined(separator: ", ")])
        }
    }
}
