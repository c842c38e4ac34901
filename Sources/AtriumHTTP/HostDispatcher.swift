import AtriumCore
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird
import HTTPTypes
import Logging

/// The application's responder. Resolves the Host header once against the registry, stores the
/// site on the context, and hands the request to the brand router or the console router.
/// Operational endpoints answer on every host; an unknown host gets a neutral 404.
struct HostDispatcher<Brand: HTTPResponder, Console: HTTPResponder, Sandbox: HTTPResponder>: HTTPResponder
where Brand.Context == AtriumRequestContext, Console.Context == AtriumRequestContext, Sandbox.Context == AtriumRequestContext {
    let services: AppServices
    let brand: Brand
    let console: Console
    /// The built-in sandbox PSP (`/sandbox-psp/` on any host), when enabled.
    let sandbox: Sandbox
    let operations: Operations

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
        if request.cookies[CSRFProtector.cookieName] == nil {
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
        if let ops = await operations.respond(to: request) { return ops }
        if services.config.sandboxPSP, request.uri.path.hasPrefix("/sandbox-psp/") || request.uri.path == "/sandbox-psp" {
            do { return try await sandbox.respond(to: request, context: context) } catch {
                return ErrorPages.from(error, request: request, context: context, services: services)
            }
        }
        let host = TenantRegistry.normalise(host: request.head.headerFields[.hostHeader] ?? request.head.authority ?? "")
        do {
            if host == services.config.consoleHost {
                context.site = .console
                if tagRequests { context.logger[metadataKey: "site"] = "console" }
                return try await console.respond(to: request, context: context)
            }
            guard let tenant = try await services.registry.resolve(host: host) else {
                return ErrorPages.notFound(request: request, context: context, services: services)
            }
            context.site = .brand(tenant)
            if tagRequests { context.logger[metadataKey: "tenant"] = .string(tenant.handle.slug) }
            if request.uri.path.hasPrefix("/static/") {
                return StaticFiles.serve(path: request.uri.path, brand: tenant.handle.slug, root: services.config.templatesDirectory)
            }
            guard tenant.isActive else { return ErrorPages.maintenance(request: request, context: context, services: services) }
            return try await brand.respond(to: request, context: context)
        } catch {
            return ErrorPages.from(error, request: request, context: context, services: services)
        }
    }
}

/// `/health`, `/ready`, `/metrics` and the shared stylesheet: host-independent.
struct Operations: Sendable {
    let services: AppServices
    let metrics: @Sendable () -> String

    func respond(to request: Request) async -> Response? {
        switch request.uri.path {
        case "/health":
            return Responses.text("ok\n")
        case "/ready":
            guard await services.database.isReachable() else { return Responses.text("database unreachable\n", status: .serviceUnavailable) }
            let migrator = Migrator(database: services.database, migrations: services.migrations)
            guard (try? await migrator.platformIsCurrent()) == true else { return Responses.text("platform migrations pending\n", status: .serviceUnavailable) }
            let behind = (try? await services.registry.all().filter { $0.schemaVersion < services.migrations.currentTenantVersion }.count) ?? -1
            guard behind == 0 else { return Responses.text("tenant migrations pending for \(behind) tenant(s)\n", status: .serviceUnavailable) }
            return Responses.text("ready\n")
        case "/metrics":
            return Responses.text(metrics(), contentType: "text/plain; version=0.0.4")
        case "/internal/tls/ask":
            // Caddy's on-demand TLS asks before issuing a certificate: only registered brand hosts get one.
            let domain = request.uri.queryParameters.get("domain") ?? ""
            let known = (try? await services.registry.resolve(host: domain)) != nil
            return Responses.text(known ? "ok\n" : "unknown\n", status: known ? .ok : .notFound)
        case "/static/atrium.css":
            return StaticFiles.serve(path: request.uri.path, brand: nil, root: services.config.templatesDirectory)
        default:
            return nil
        }
    }
}

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

extension HTTPField.Name {
    /// HTTP/1 servers move `Host` into `:authority`; an explicit field (tests, some proxies) is honoured first.
    static let hostHeader = HTTPField.Name("Host")!
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let cfIPCountry = HTTPField.Name("CF-IPCountry")!
    static let xClientCountry = HTTPField.Name("X-Client-Country")!
}

/// Who the client is, for throttling and audit.
public enum ClientAddress {
    /// The nearest untrusted hop: only a trusted proxy may tell us who its client was.
    public static func resolve(peer: String?, forwardedFor: String?, trusted: Set<String>) -> String {
        guard let peer else { return "unknown" }
        guard trusted.contains(peer), let header = forwardedFor else { return peer }
        let hops = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return hops.last ?? peer
    }

    /// The client's country from a trusted edge proxy's geolocation header (`CF-IPCountry` or
    /// `X-Client-Country`); nil when the peer is not trusted or the value is not a country code.
    public static func country(peer: String?, header: String?, trusted: Set<String>) -> String? {
        guard let peer, trusted.contains(peer), let value = header?.trimmingCharacters(in: .whitespaces).uppercased(),
              value.range(of: "^[A-Z]{2}$", options: .regularExpression) != nil, value != "XX" else { return nil }
        return value
    }
}
