import Hummingbird

/// One audience's session middleware: loads the signed-in principal behind the audience's cookie
/// onto the context and turns a signed-out request away, unless `required` is false (pages that
/// also serve visitors). The audience context built next reads the principal back and throws
/// without one.
protocol AudienceSession: RouterMiddleware {
    associatedtype Principal: Sendable
    /// Where the principal goes on the context.
    static var principal: WritableKeyPath<Context, Principal?> { get }
    /// Whether a signed-out request is turned away.
    var required: Bool { get }
    /// The principal behind the request's cookie; nil when signed out.
    func load(_ request: Request, context: Context) async throws -> Principal?
    /// The answer to a signed-out request where a principal is required (a redirect or a thrown 401).
    func signedOut() throws -> Response
}

extension AudienceSession {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context[keyPath: Self.principal] = try await load(request, context: context)
        if required, context[keyPath: Self.principal] == nil { return try signedOut() }
        return try await next(request, context)
    }
}
