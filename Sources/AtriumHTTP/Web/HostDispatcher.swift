import AtriumCore
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird
import HTTPTypes
import Logging

/// The application's responder. Resolves the Host header once against the registry, stores the
/// site on the context, and hands the request to the brand router (as a `BrandRequestContext`,
/// whose tenant is never optional) or the console router (as a `ConsoleRequestContext`).
/// Operational endpoints answer on every host; an unknown host gets a neutral 404.
struct HostDispatcher<Brand: HTTPResponder, Console: HTTPResponder>: HTTPResponder
where Brand.Context == BrandRequestContext, Console.Context == ConsoleRequestContext {
    let services: AppServices
    let brand: Brand
    let console: Console
    /// The built-in sandbox PSP (development only), answering `/sandbox-psp` on the sandbox host.
    let sandbox: (any HTTPResponder<AtriumRequestContext>)?
    let operations: Operations
    /// The brand API (`/api/v1` on a brand host) and the provisioning API (`/api/platform/v1` on the
    /// platform host): key-authenticated, so they get no CSRF cookie and answer problem+json.
    let brandAPI: any HTTPResponder<APIRequestContext>
    let platformAPI: any HTTPResponder<PlatformAPIRequestContext>

    /// The sandbox PSP's own host: loopback `127.0.0.1` (any port), where the server reaches it
    /// and the demo's browser is sent. Brand hosts are names, so it is never one of theirs.
    static var sandboxHost: String { "127.0.0.1" }

    func respond(to request: Request, context: AtriumRequestContext) async throws -> Response {
        var context = context
        var request = request
        // Metadata on the request logger costs a re-render of the handler's metadata each time it is
        // set; only pay for it when per-request lines are logged (info and below). Error lines
        // carry the request id and tenant explicitly (ErrorPages).
        let tagRequests = context.logger.logLevel <= .info
        if tagRequests { context.logger[metadataKey: "request_id"] = .string(context.requestID) }
        context.clientIP = ClientAddress.resolve(peer: context.remoteAddress?.ipAddress, forwardedFor: request.headers[.xForwardedFor],
                                         trusted: services.config.trustedProxies)
        context.clientCountry = ClientAddress.country(peer: context.remoteAddress?.ipAddress,
                                                      header: request.headers[.cfIPCountry] ?? request.headers[.xClientCountry],
                                                      trusted: services.config.trustedProxies)
        // Every visitor gets a CSRF cookie on first contact; the form token is derived from it.
        var newCSRF: String?
        if request.cookies[CSRFProtector.cookieName] == nil && !Self.isAPI(request.uri.path) {
            let value = Token.random()
            newCSRF = value
            var head = request.head
            let existing = head.headerFields[.cookie].map { $0 + "; " } ?? ""
            head.headerFields[.cookie] = existing + "\(CSRFProtector.cookieName)=\(value)"
            request = Request(head: head, body: request.body)
        }
        var response = await dispatch(request, context: &context, tagRequests: tagRequests)
        if let newCSRF {
            response.setCookie(Cookie(name: CSRFProtector.cookieName, value: newCSRF, path: "/", secure: services.config.secureCookies, httpOnly: true, sameSite: .lax))
        }
        response.headers[.init("X-Request-Id")!] = context.requestID
        return response
    }

    private func dispatch(_ request: Request, context: inout AtriumRequestContext, tagRequests: Bool) async -> Response {
        // No handler sees a query parameter holding NUL, invalid UTF-8 or a control character.
        if let rejection = Forms.queryRejection(request, strings: services.renderer.strings(PageContext.locale(for: request, site: context.site))) {
            if Self.isAPI(request.uri.path) { return APIProblem.badRequest(pointer: "query", "the query string holds a NUL, a control character or invalid UTF-8").response() }
            return ErrorPages.from(rejection, request: request, context: context, services: services)
        }
        if let ops = await operations.respond(to: request) { return ops }
        let host = TenantRegistry.normalise(host: request.head.headerFields[.hostHeader] ?? request.head.authority ?? "")
        if host == Self.sandboxHost {
            guard let sandbox, request.uri.path.hasPrefix("/sandbox-psp/") || request.uri.path == "/sandbox-psp" else {
                return ErrorPages.notFound(request: request, context: context, services: services)
            }
            do { return try await sandbox.respond(to: request, context: context) } catch {
                return ErrorPages.from(error, request: request, context: context, services: services)
            }
        }
        do {
            if host == services.config.consoleHost {
                context.site = .console
                if tagRequests { context.logger[metadataKey: "site"] = "console" }
                if Self.under(PlatformAPIRouter.prefix, request.uri.path) {
                    return try await platformAPI.respond(to: request, context: PlatformAPIRequestContext(context: context))
                }
                return try await console.respond(to: request, context: ConsoleRequestContext(context: context))
            }
            guard let tenant = try await services.registry.resolve(host: host) else {
                return ErrorPages.notFound(request: request, context: context, services: services)
            }
            context.site = .brand(tenant)
            if tagRequests { context.logger[metadataKey: "tenant"] = .string(tenant.handle.slug) }
            if request.uri.path.hasPrefix("/static/") {
                return StaticFiles.serve(path: request.uri.path, brand: tenant.handle.slug, root: services.config.templatesDirectory)
            }
            if Self.under(BrandAPIRouter.prefix, request.uri.path) {
                guard tenant.isActive else {
                    return APIProblem(status: .serviceUnavailable, detail: "This brand is suspended.", headers: ["Retry-After": "3600"]).response()
                }
                return try await brandAPI.respond(to: request, context: APIRequestContext(context: context))
            }
            guard tenant.isActive else { return ErrorPages.maintenance(request: request, context: context, services: services) }
            return try await brand.respond(to: request, context: BrandRequestContext(context: context))
        } catch {
            return ErrorPages.from(error, request: request, context: context, services: services)
        }
    }

    /// Whether `path` is `prefix` or below it.
    static func under(_ prefix: String, _ path: String) -> Bool { path == prefix || path.hasPrefix(prefix + "/") }

    /// Whether the request is for one of the APIs (no CSRF cookie, problem+json errors).
    static func isAPI(_ path: String) -> Bool { under(BrandAPIRouter.prefix, path) || under(PlatformAPIRouter.prefix, path) }
}
