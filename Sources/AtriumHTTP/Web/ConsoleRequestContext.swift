import AtriumCore
import AtriumIdentity
import AtriumStorage
import Hummingbird

/// A request on the operator console host. `OperatorSession` puts the signed-in operator on it.
struct ConsoleRequestContext: ChildRequestContext, AtriumContext {
    var coreContext: CoreRequestContextStorage
    let requestID: String
    let clientIP: String
    let clientCountry: String?
    /// The signed-in operator, once `OperatorSession` found one.
    var operatorUser: SessionUser?

    var site: Site { .console }
    var maxUploadSize: Int { 64 * 1024 }

    /// Fails with a 404 unless the dispatcher routed this request to the console.
    init(context: AtriumRequestContext) throws {
        guard case .console = context.site else { throw HTTPError(.notFound) }
        self.coreContext = context.coreContext
        self.requestID = context.requestID
        self.clientIP = context.clientIP
        self.clientCountry = context.clientCountry
    }
}

/// A console request with a signed-in operator. Built from a console request that
/// `OperatorSession` let through; the initializer fails otherwise.
struct OperatorRequestContext: ChildRequestContext, AtriumContext {
    var coreContext: CoreRequestContextStorage
    let operatorUser: SessionUser
    let requestID: String
    let clientIP: String
    let clientCountry: String?

    var site: Site { .console }
    var maxUploadSize: Int { 64 * 1024 }

    init(context: ConsoleRequestContext) throws {
        guard let user = context.operatorUser else { throw RequestRejected(status: 401, publicMessage: "error_login_required") }
        self.coreContext = context.coreContext
        self.operatorUser = user
        self.requestID = context.requestID
        self.clientIP = context.clientIP
        self.clientCountry = context.clientCountry
    }
}

/// Console authentication: loads the operator behind the operator cookie (platform schema).
/// Signed out, the request is refused with a 401; with `required: false` (the home page, which
/// shows the login form) it goes through without an operator.
struct OperatorSession: RouterMiddleware {
    typealias Context = ConsoleRequestContext
    let services: AppServices
    var required = true

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let token = request.cookies[Audience.operator.cookieName]?.value, !token.isEmpty {
            context.operatorUser = try await services.database.platform { conn in
                try await OperatorSessions.user(token: token, on: conn, logger: services.logger)
            }
        }
        if required, context.operatorUser == nil { throw RequestRejected(status: 401, publicMessage: "error_login_required") }
        return try await next(request, context)
    }
}

extension RouterMethods<ConsoleRequestContext> {
    /// A group of console routes that need a signed-in operator.
    func operators(_ services: AppServices) -> RouterGroup<OperatorRequestContext> {
        group().add(middleware: OperatorSession(services: services)).group(context: OperatorRequestContext.self)
    }
}
