import AtriumCore
import AtriumIdentity
import Foundation
import Hummingbird

/// Back Office API keys (`brand.manage`): the brand's keys with their scopes and last use, a form
/// that makes one and shows its token once, and revocation. Every action is audited by the
/// domain code (`APIKeys.issue`, `APIKeys.revoke`).
struct APIKeyAdminRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }

    func register(on router: Router<BrandRequestContext>) {
        let group = router.staff("/admin/api-keys", .brandManage, services: services)
        group.get("") { req, ctx in try await list(req, ctx) }
        group.post("") { req, ctx in try await create(req, ctx) }
        group.post("/:key/revoke") { req, ctx in try await revoke(req, ctx) }
    }

    func render(_ template: String, _ title: String, _ req: Request, _ ctx: StaffRequestContext, _ extra: [String: Any],
                status: HTTPResponse.Status = .ok) throws -> Response {
        let staff = RequirePermission.pageContext(ctx.staff)
        var response = try pages.render(template, title: title, request: req, context: ctx, extra: staff.merging(extra) { _, new in new }, status: status)
        // The result page holds a token; no page of this area belongs in a cache.
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// The list of keys and the create form (refilled, with the fields named, after a refusal).
    func list(_ req: Request, _ ctx: StaffRequestContext, form: [String: String] = [:], extra more: [String: Any] = [:],
              status: HTTPResponse.Status = .ok) async throws -> Response {
        let t = pages.strings(req, ctx)
        let (keys, emails) = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            let keys = try await APIKeys.list(in: tx)
            return (keys, try await APIKeys.staffEmails(keys.map(\.createdBy), in: tx))
        }
        var extra: [String: Any] = [
            "keys": keys.map { APIKeyAdminView.row($0, t: t, emails: emails) },
            "scopes": APIScope.allCases.map { scope in
                ["value": scope.rawValue, "field": APIKeyAdminView.field(scope), "checked": form[APIKeyAdminView.field(scope)] != nil] as [String: Any]
            },
            "name": form["name"] ?? "",
        ]
        if let done = req.uri.queryParameters.get("done") { extra["notice"] = t["apikeys_notice_\(done)"] ?? "" }
        extra.merge(more) { _, new in new }
        return try render("admin/api-keys", "apikeys_title", req, ctx, extra, status: status)
    }

    func create(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        var form: [String: String] = [:]
        do {
            form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            let scopes = APIScope.allCases.filter { form[APIKeyAdminView.field($0)] != nil }
            let made = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                try await APIKeys.issue(name: form["name"] ?? "", scopes: scopes, actor: ctx.staff.actor, requestID: ctx.requestID, in: tx)
            }
            // Rendered, not redirected: the token exists only in this response.
            return try render("admin/api-key-created", "apikeys_title_created", req, ctx, [
                "key": APIKeyAdminView.row(made.key, t: t), "token": made.token,
            ])
        } catch let error as any UserFacingError {
            var extra: [String: Any] = ["error": t[error.publicMessage] ?? error.publicMessage]
            if let input = error as? InputError {
                extra["error"] = t["apikeys_error_fields"] ?? "Please correct these fields."
                extra["problems"] = [["field": input.field, "reason": t["apikeys_reason_\(input.field)"] ?? input.reason]]
                extra["hasProblems"] = true
            }
            return try await list(req, ctx, form: form, extra: extra, status: HTTPResponse.Status(code: error.status))
        }
    }

    func revoke(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        do {
            _ = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            // A malformed id is the same 404 as an unknown one.
            guard let id = UUID(uuidString: ctx.parameters.get("key") ?? "") else { throw APIKeyAdminError.notFound }
            _ = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                try await APIKeys.revoke(id: id, actor: ctx.staff.actor, requestID: ctx.requestID, in: tx)
            }
            return Responses.seeOther("/admin/api-keys?done=revoked")
        } catch let error as any UserFacingError {
            return try await list(req, ctx, extra: ["error": t[error.publicMessage] ?? error.publicMessage], status: HTTPResponse.Status(code: error.status))
        }
    }
}

/// View rows of the API key screens.
enum APIKeyAdminView {
    /// The checkbox name of a scope (`scope_clients_read`).
    static func field(_ scope: APIScope) -> String {
        "scope_" + scope.rawValue.replacingOccurrences(of: ":", with: "_")
    }

    /// One key as the list shows it: never the token, only its prefix.
    static func row(_ key: APIKey, t: [String: String], emails: [String: String] = [:]) -> [String: Any] {
        ["id": key.id.uuidString.lowercased(), "name": key.name, "prefix": key.prefix,
         "scopes": key.scopes.map(\.rawValue), "createdBy": emails[key.createdBy] ?? key.createdBy, "createdAt": SettingsPages.timestamp(key.createdAt),
         "lastUsed": key.lastUsedAt.map(SettingsPages.timestamp) ?? (t["apikeys_never_used"] ?? "Never"),
         "revoked": key.revokedAt != nil, "revokedAt": key.revokedAt.map(SettingsPages.timestamp) ?? ""]
    }
}
