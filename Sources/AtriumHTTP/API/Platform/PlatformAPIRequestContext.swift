import AtriumTenancy
import Foundation
import Hummingbird

/// The context of a provisioning API request (`/api/platform/v1` on the platform host).
struct PlatformAPIRequestContext: AudienceContext {
    var coreContext: CoreRequestContextStorage
    let origin: RequestOrigin

    var site: Site { .console }

    /// Fails with a 404 unless the dispatcher routed this request to the platform host.
    init(context: AtriumRequestContext) throws {
        guard case .console = context.site else { throw HTTPError(.notFound) }
        self.coreContext = context.coreContext
        self.origin = RequestOrigin(context)
    }
}

/// The operator key behind a provisioning API request, set by `OperatorKeyMiddleware`.
public struct OperatorPrincipal: Sendable {
    public let key: OperatorAPIKey
    public let requestID: String

    @TaskLocal public static var current: OperatorPrincipal?

    /// The caller, when its key has `scope`: 401 without a key, 403 naming the scope otherwise.
    public static func require(_ scope: OperatorScope) throws -> OperatorPrincipal {
        guard let principal = current else { throw APIProblem.unauthorized() }
        guard principal.key.allows(scope) else { throw APIProblem.forbidden(scope: scope.rawValue) }
        return principal
    }

    /// The actor written to the audit log.
    public var actor: String { "operator_key:\(key.id.uuidString.lowercased())" }
}

/// Reads `Authorization: Bearer atp_…` and runs the rest of the request as that operator key.
struct OperatorKeyMiddleware: RouterMiddleware {
    typealias Context = PlatformAPIRequestContext
    let services: AppServices

    func handle(_ request: Request, context: PlatformAPIRequestContext,
                next: (Request, PlatformAPIRequestContext) async throws -> Response) async throws -> Response {
        guard let token = APIKeyMiddleware.bearer(request.headers[.authorization]),
              let key = try await OperatorAPIKeys.authenticate(token: token, database: services.database) else { throw APIProblem.unauthorized() }
        let principal = OperatorPrincipal(key: key, requestID: context.requestID)
        return try await OperatorPrincipal.$current.withValue(principal) { try await next(request, context) }
    }
}
