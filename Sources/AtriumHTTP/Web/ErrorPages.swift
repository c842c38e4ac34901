import AtriumCore
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird

/// Maps errors to pages in one place. Users see a message and a request id, never SQL or a trace.
enum ErrorPages {
    static func notFound(request: Request, context: AtriumRequestContext, services: AppServices) -> Response {
        var neutral = context
        neutral.site = .unknown
        let (ctx, _) = PageContext.base(request: request, context: neutral, services: services, title: "title_not_found")
        let html = (try? services.renderer.render("errors/not-found", brand: nil, context: ctx)) ?? "Not found"
        return Responses.html(html, status: .notFound)
    }

    static func maintenance(request: Request, context: AtriumRequestContext, services: AppServices) -> Response {
        let (ctx, _) = PageContext.base(request: request, context: context, services: services, title: "title_maintenance")
        let html = (try? services.renderer.render("errors/maintenance", brand: context.tenant?.handle.slug, context: ctx)) ?? "Maintenance"
        var response = Responses.html(html, status: .serviceUnavailable)
        response.headers[.retryAfter] = "300"
        return response
    }

    static func from(_ error: any Error, request: Request, context: AtriumRequestContext, services: AppServices) -> Response {
        let root = error.rootCause
        let status: Int
        let message: String
        let (base, _) = PageContext.base(request: request, context: context, services: services, title: "title_error")
        let t = base["t"] as? [String: String] ?? [:]
        if let user = root as? any UserFacingError {
            status = user.status
            message = t[user.publicMessage] ?? user.publicMessage
        } else if let http = root as? HTTPError {
            status = Int(http.status.code)
            message = http.status.code == 404 ? (t["not_found_text"] ?? "Not found") : (t["error_generic"] ?? "Something went wrong.")
        } else {
            status = 500
            message = t["error_generic"] ?? "Something went wrong. Please try again."
            context.logger.error("request failed", metadata: [
                "error": "\(String(reflecting: root))", "request_id": "\(context.requestID)", "tenant": "\(context.tenant?.handle.slug ?? "-")",
            ])
        }
        var ctx = base
        ctx["status"] = status
        ctx["message"] = message
        let html = (try? services.renderer.render("errors/error", brand: context.tenant?.handle.slug, context: ctx)) ?? message
        return Responses.html(html, status: HTTPResponse.Status(code: status))
    }
}
