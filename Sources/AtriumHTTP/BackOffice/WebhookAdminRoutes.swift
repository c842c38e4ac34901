import AtriumCore
import AtriumIdentity
import AtriumStorage
import AtriumWebhooks
import Foundation
import Hummingbird

/// Back Office outbound webhooks (`brand.manage`): endpoints (create, enable, disable, delete,
/// show the secret again), each endpoint's deliveries with their attempts, and replay. Every
/// action is audited by the domain code.
struct WebhookAdminRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }

    func register(on router: Router<BrandRequestContext>) {
        router.staff("/admin/webhooks", .brandManage, services: services)
            .get("") { req, ctx in try await list(req, ctx) }
            .post("") { req, ctx in try await create(req, ctx) }
            .get("/:id") { req, ctx in try await endpoint(req, ctx) }
            .post("/:id/enable") { req, ctx in try await act(req, ctx, .enable) }
            .post("/:id/disable") { req, ctx in try await act(req, ctx, .disable) }
            .post("/:id/delete") { req, ctx in try await act(req, ctx, .delete) }
            .post("/:id/secret") { req, ctx in try await act(req, ctx, .secret) }
            .post("/deliveries/:id/replay") { req, ctx in try await act(req, ctx, .replay) }
    }

    enum Action { case enable, disable, delete, secret, replay }

    func list(_ req: Request, _ ctx: StaffRequestContext, extra more: [String: Any] = [:], status: HTTPResponse.Status = .ok) async throws -> Response {
        let t = pages.strings(req, ctx)
        let endpoints = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await WebhookEndpoints.list(in: tx) }
        var extra: [String: Any] = ["endpoints": endpoints.map { WebhookAdminView.endpoint($0, t: t) },
                                    "eventChoices": WebhookAdminView.choices(selected: [], t: t)]
        if let notice = req.uri.queryParameters.get("done") { extra["notice"] = t["webhooks_notice_\(notice)"] ?? "" }
        extra.merge(more) { _, new in new }
        return try pages.render("admin/webhooks", title: "webhooks_title", request: req, context: ctx,
                                extra: RequirePermission.pageContext(ctx.staff).merging(extra) { _, new in new }, status: status)
    }

    func create(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        var form: [String: String] = [:]
        do {
            form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            let events = WebhookEventType.allCases.map(\.rawValue).filter { form[WebhookAdminView.field($0)] != nil }
            let made = try await services.tenantDB.transaction(ctx.tenant.handle) { [form] tx in
                try await services.webhookEndpoints.create(url: form["url"] ?? "", description: form["description"] ?? "", events: events,
                                                           actor: ctx.staff.actor, requestID: ctx.requestID, in: tx)
            }
            return try await endpoint(req, ctx, id: made.endpoint.id, extra: ["secret": made.secret, "notice": t["webhooks_notice_created"] ?? ""],
                                      status: .created)
        } catch let error as InputError {
            let chosen = Set(WebhookEventType.allCases.map(\.rawValue).filter { form[WebhookAdminView.field($0)] != nil })
            return try await list(req, ctx, extra: ["fieldError": ["field": error.field, "message": error.reason], "url": form["url"] ?? "",
                                                    "description": form["description"] ?? "",
                                                    "eventChoices": WebhookAdminView.choices(selected: chosen, t: t)],
                                  status: HTTPResponse.Status(code: error.status))
        } catch let error as any UserFacingError {
            return try await list(req, ctx, extra: ["error": t[error.publicMessage] ?? error.publicMessage], status: HTTPResponse.Status(code: error.status))
        }
    }

    func endpoint(_ req: Request, _ ctx: StaffRequestContext, id given: UUID? = nil, extra more: [String: Any] = [:],
                  status: HTTPResponse.Status = .ok) async throws -> Response {
        let t = pages.strings(req, ctx)
        guard let id = given ?? UUID(uuidString: ctx.parameters.get("id") ?? "") else { throw HTTPError(.notFound) }
        let found = try await services.tenantDB.transaction(ctx.tenant.handle) { tx -> (WebhookEndpoint, [WebhookDelivery])? in
            guard let e = try await WebhookEndpoints.one(id, in: tx) else { return nil }
            return (e, try await WebhookDeliveries.list(endpoint: id, in: tx))
        }
        guard let (endpoint, deliveries) = found else { throw HTTPError(.notFound) }
        var extra: [String: Any] = ["endpoint": WebhookAdminView.endpoint(endpoint, t: t), "deliveries": deliveries.map { WebhookAdminView.delivery($0, t: t) }]
        if let notice = req.uri.queryParameters.get("done") { extra["notice"] = t["webhooks_notice_\(notice)"] ?? "" }
        extra.merge(more) { _, new in new }
        return try pages.render("admin/webhook", title: "webhooks_title_endpoint", request: req, context: ctx,
                                extra: RequirePermission.pageContext(ctx.staff).merging(extra) { _, new in new }, status: status)
    }

    func act(_ req: Request, _ ctx: StaffRequestContext, _ action: Action) async throws -> Response {
        let t = pages.strings(req, ctx)
        do {
            _ = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            guard let id = UUID(uuidString: ctx.parameters.get("id") ?? "") else { throw WebhookError.notFound }
            let (actor, requestID) = (ctx.staff.actor, ctx.requestID)
            switch action {
            case .enable, .disable:
                try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                    try await WebhookEndpoints.setEnabled(id, action == .enable, actor: actor, requestID: requestID, in: tx)
                }
                return Responses.seeOther("/admin/webhooks/\(id.uuidString.lowercased())?done=\(action == .enable ? "enabled" : "disabled")")
            case .delete:
                try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await WebhookEndpoints.delete(id, actor: actor, requestID: requestID, in: tx) }
                return Responses.seeOther("/admin/webhooks?done=deleted")
            case .secret:
                let secret = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                    try await services.webhookEndpoints.revealSecret(id, actor: actor, requestID: requestID, in: tx)
                }
                return try await endpoint(req, ctx, id: id, extra: ["secret": secret])
            case .replay:
                let endpointID = try await services.tenantDB.transaction(ctx.tenant.handle) { tx -> UUID in
                    try await WebhookDeliveries.replay(id, actor: actor, requestID: requestID, in: tx)
                    return try await tx.query("SELECT endpoint_id FROM webhook_deliveries WHERE id = \(id)").collect().first?.decode(UUID.self) ?? id
                }
                return Responses.seeOther("/admin/webhooks/\(endpointID.uuidString.lowercased())?done=replayed")
            }
        } catch let error as any UserFacingError {
            return try await list(req, ctx, extra: ["error": t[error.publicMessage] ?? error.publicMessage], status: HTTPResponse.Status(code: error.status))
        }
    }
}
