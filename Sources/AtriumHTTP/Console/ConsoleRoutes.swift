import AtriumCore
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird

/// The operator console on `ops.<platform domain>`: list, create, suspend, resume and export brands.
struct ConsoleRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }

    func register(on router: Router<ConsoleRequestContext>) {
        let visitors = router.group().add(middleware: OperatorSession(services: services, required: false))
        let operators = router.operators(services)
        visitors.get("/") { req, ctx in try await home(req, ctx, op: ctx.operatorUser, notice: nil, error: nil, status: .ok) }
        visitors.get("/tenants") { req, ctx in try await home(req, ctx, op: ctx.operatorUser, notice: nil, error: nil, status: .ok) }
        router.post("/login") { req, ctx in try await login(req, ctx) }
        router.post("/logout") { req, ctx in try await logout(req, ctx) }
        operators.post("/tenants") { req, ctx in try await create(req, ctx) }
        operators.post("/tenants/:slug/suspend") { req, ctx in try await setStatus(req, ctx, active: false) }
        operators.post("/tenants/:slug/resume") { req, ctx in try await setStatus(req, ctx, active: true) }
        operators.get("/tenants/:slug/export") { req, ctx in try await export(req, ctx) }
        operators.get("/usage") { req, ctx in try await ConsoleUsage(services: services).page(req, ctx) }
        operators.get("/status") { req, ctx in try await ConsoleHealth(services: services).page(req, ctx) }
        operators.get("/audit") { req, ctx in try await ConsoleAudit(services: services).page(req, ctx) }
        operators.get("/lists") { req, ctx in try await ConsoleLists(services: services).page(req, ctx) }
        operators.post("/lists") { req, ctx in try await ConsoleLists(services: services).upload(req, ctx) }
    }

    /// The brands list for a signed-in operator (`op`), or the login form.
    func home(_ req: Request, _ ctx: some AtriumContext, op: SessionUser?, notice: String?, error: String?, status: HTTPResponse.Status,
              form: [String: String] = [:], invitationLink: String? = nil) async throws -> Response {
        guard let op else {
            return try pages.render("ops/login", title: "title_ops_login", request: req, context: ctx)
        }
        let tenants = try await services.registry.all()
        let formatter = ISO8601DateFormatter()
        var extra: [String: Any] = [
            "operator": ["email": op.email], "user": ["email": op.email, "name": op.email],
            "tenants": tenants.map { t in
                ["slug": t.handle.slug, "name": t.name, "status": t.status, "isActive": t.isActive, "schemaVersion": t.schemaVersion,
                 "domains": t.domains.joined(separator: ", "), "createdAt": formatter.string(from: t.createdAt)] as [String: Any]
            },
            "values": form,
        ]
        if let notice { extra["notice"] = notice }
        if let invitationLink { extra["invitationLink"] = invitationLink }
        if let error { extra["error"] = error }
        return try pages.render("ops/tenants", title: "title_ops_tenants", request: req, context: ctx, extra: extra, status: status)
    }

    func login(_ req: Request, _ ctx: ConsoleRequestContext) async throws -> Response {
        try await pages.loginForm(req, ctx, audience: .operator, template: "ops/login", title: "title_ops_login", home: "/") { email, password, old in
            try await services.database.platform { conn in
                try await services.authenticator.operatorLogin(email: email, password: password, ip: ctx.clientIP, userAgent: req.headers[.userAgent] ?? "",
                                                               replacing: old, requestID: ctx.requestID, on: conn, logger: services.logger)
            }
        }
    }

    func logout(_ req: Request, _ ctx: ConsoleRequestContext) async throws -> Response {
        _ = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: pages.strings(req, ctx))
        if let token = req.cookies[Audience.operator.cookieName]?.value {
            try await services.database.platform { conn in try await OperatorSessions.delete(token: token, on: conn, logger: services.logger) }
        }
        var response = Responses.seeOther("/")
        response.setCookie(Responses.clearCookie(.operator, path: "/", secure: services.config.secureCookies))
        return response
    }

    func create(_ req: Request, _ ctx: OperatorRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
        let op = ctx.operatorUser
        let domains = (form["domains"] ?? "").split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }).map { String($0).trimmingCharacters(in: .whitespaces) }
        do {
            let result = try await services.provisioning.create(slug: (form["slug"] ?? "").trimmingCharacters(in: .whitespaces), name: form["name"] ?? "",
                                                                domains: domains, adminEmail: (form["admin_email"] ?? "").trimmingCharacters(in: .whitespaces),
                                                                actor: "operator:\(op.email)", requestID: ctx.requestID)
            let notice = (t["notice_tenant_created"] ?? "Brand created.") + " (" + result.slug + ")"
            return try await home(req, ctx, op: op, notice: notice, error: nil, status: .created, invitationLink: result.invitationLink)
        } catch let error as any UserFacingError {
            return try await home(req, ctx, op: op, notice: nil, error: error.publicMessage, status: HTTPResponse.Status(code: error.status), form: form)
        }
    }

    func setStatus(_ req: Request, _ ctx: OperatorRequestContext, active: Bool) async throws -> Response {
        let t = pages.strings(req, ctx)
        _ = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
        let op = ctx.operatorUser
        let slug = ctx.parameters.get("slug") ?? ""
        try await services.provisioning.setStatus(slug: slug, active: active, actor: "operator:\(op.email)", requestID: ctx.requestID)
        return Responses.seeOther("/")
    }

    func export(_ req: Request, _ ctx: OperatorRequestContext) async throws -> Response {
        let slug = ctx.parameters.get("slug") ?? ""
        let yaml = try await services.provisioning.export(slug: slug)
        var response = Responses.text(yaml, contentType: "application/yaml; charset=utf-8")
        response.headers[.contentDisposition] = "attachment; filename=\"\(slug).yaml\""
        return response
    }
}
