import AtriumCore
import AtriumIdentity
import AtriumStorage
import Hummingbird

/// A request on the operator console host. `OperatorSession` puts the signed-in operator on it.
struct ConsoleRequestContext: AudienceContext {
    var coreContext: CoreRequestContextStorage
    let origin: RequestOrigin
    /// The signed-in operator, once `OperatorSession` found one.
    var operatorUser: SessionUser?

    var site: Site { .console }

    /// Fails with a 404 unless the dispatcher routed this request to the console.
    init(context: AtriumRequestContext) throws {
        guard case .console = context.site else { throw HTTPError(.notFound) }
        self.coreContext = context.coreContext
        self.origin = RequestOrigin(context)
    }
}

/// A console request with a signed-in operator. Built from a console request that
/// `OperatorSession` let through; the initializer fails otherwise.
struct OperatorRequestContext: AudienceContext {
    var coreContext: CoreRequestContextStorage
    let origin: RequestOrigin
    let operatorUser: SessionUser

    var site: Site { .console }

    init(context: ConsoleRequestContext) throws {
        guard let user = context.operatorUser else { throw OperatorSession.loginRequired }
        self.coreContext = context.coreContext
        self.origin = context.origin
        self.operatorUser = user
    }
}

/// Console authentication: loads the operator behind the operator cookie (platform schema).
/// Signed out, the request is refused with a 401; with `required: false` (the home page, which
/// shows the login form) it goes through without an operator.
struct OperatorSession: AudienceSession {
    typealias Context = ConsoleRequestContext
    static var principal: WritableKeyPath<Context, SessionUser?> { \.operatorUser }
    /// The console's answer to a request that needs an operator and has none.
    static var loginRequired: RequestRejected { RequestRejected(status: 401, publicMessage: "error_login_required") }
    let services: AppServices
    var required = true

    func load(_ request: Request, context: Context) async throws -> SessionUser? {
        guard let token = request.cookies[Audience.operator.cookieName]?.value, !token.isEmpty else { return nil }
        return try await services.database.platform { conn in
            try await OperatorSessions.user(token: token, on: conn, logger: services.logger)
        }
    }

    func signedOut() throws -> Response { throw Self.loginRequired }
}

extension RouterMethods<ConsoleRequestContext> {
    /// A group of console routes that need a signed-in operator.
    func operators(_ services: AppServices) -> RouterGroup<OperatorRequestContext> {
        group().add(middleware: OperatorSession(services: services)).group(context: OperatorRequestContext.self)
    }
}
