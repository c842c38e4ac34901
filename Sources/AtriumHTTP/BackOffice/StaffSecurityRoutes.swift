import AtriumCore
import AtriumIdentity
import AtriumQR
import AtriumStorage
import Foundation
import Hummingbird

/// A staff member's own security pages: TOTP enrolment (forced when the brand's
/// `security.staff_two_factor` is `required`: `StaffSession` sends a member without TOTP here from
/// every other Back Office page) and their active sessions, each revocable. The QR code, the
/// secret and the codes come from the shared `TwoFactor`, `TOTP` and `QRCode`; the second sign-in
/// step is the shared `/login/2fa`.
struct StaffSecurityRoutes: Sendable {
    static let enrolmentPath = "/admin/security/two-factor"
    let services: AppServices
    var pages: Pages { Pages(services: services) }

    func register(on router: Router<BrandRequestContext>) {
        // The one group a member who must enrol may reach.
        let enrol = router.group("/admin/security/two-factor").add(middleware: StaffSession(services: services, enrolling: true))
            .group(context: StaffRequestContext.self)
        enrol.get("") { req, ctx in try await twoFactor(req, ctx) }
        enrol.post("/enable") { req, ctx in try await enable(req, ctx) }
        let sessions = router.staff("/admin/security/sessions", nil, services: services)
        sessions.get("") { req, ctx in try await sessionList(req, ctx) }
        sessions.post("/:session/revoke") { req, ctx in try await revoke(req, ctx) }
    }

    /// While enrolment is forced the header shows no navigation: every other page would send the member back here.
    func render(_ template: String, _ title: String, _ req: Request, _ ctx: StaffRequestContext, _ extra: [String: Any],
                status: HTTPResponse.Status = .ok, forced: Bool? = nil) throws -> Response {
        var base = forced ?? ctx.staff.mustEnrol ? ["forcedEnrolment": true] : RequirePermission.pageContext(ctx.staff)
        base["me"] = ["email": ctx.staff.user.email, "name": ctx.staff.user.name]
        return try pages.render(template, title: title, request: req, context: ctx, extra: base.merging(extra) { _, new in new }, status: status)
    }

    /// Enrolled: the status and the recovery codes left. Not enrolled: the QR code and the secret of a
    /// pending secret (made on the first visit and kept until enrolment), and the form for a first code.
    func twoFactor(_ req: Request, _ ctx: StaffRequestContext, extra more: [String: Any] = [:], status: HTTPResponse.Status = .ok) async throws -> Response {
        let user = ctx.staff.user
        let key = services.keys.totp(tenant: ctx.tenant.handle.id)
        let (enabled, secret, remaining) = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            let state = try await TwoFactor.state(user: user.id, key: key, in: tx)
            if state.enabled { return (true, [UInt8](), try await TwoFactor.remainingRecoveryCodes(user: user.id, in: tx)) }
            if let pending = state.secret { return (false, pending, 0) }
            return (false, try await TwoFactor.beginEnrollment(user: user.id, key: key, in: tx), 0)
        }
        var extra: [String: Any] = ["totpEnabled": enabled, "recoveryLeft": remaining, "required": ctx.tenant.config?.securitySettings.requiresStaffTwoFactor ?? true]
        if !enabled {
            let uri = TOTP.otpauthURI(secret: secret, issuer: ctx.tenant.config?.name ?? ctx.tenant.handle.slug, account: user.email)
            extra.merge(["enrolling": true, "otpauth": uri, "secretText": Base32.encode(secret), "qr": try QRCode(text: uri).svg(moduleSize: 5)]) { _, new in new }
        }
        extra.merge(more) { _, new in new }
        return try render("admin/two-factor", "staff_title_two_factor", req, ctx, extra, status: status)
    }

    /// A first code turns TOTP on; the recovery codes are shown this once.
    func enable(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        let key = services.keys.totp(tenant: ctx.tenant.handle.id)
        do {
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            let code = try Forms.required(form, "code", max: 20, strings: t)
            let codes = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                guard try await !TwoFactor.state(user: ctx.staff.user.id, key: key, in: tx).enabled else { return [String]() }
                return try await StaffTwoFactor.enable(user: ctx.staff.user.id, code: code, key: key, actor: ctx.staff.actor, requestID: ctx.requestID, in: tx)
            }
            guard !codes.isEmpty else { return Responses.seeOther(Self.enrolmentPath) }
            // Enrolled now: the page with the recovery codes shows the navigation again.
            return try render("admin/two-factor", "staff_title_two_factor", req, ctx,
                              ["totpEnabled": true, "recoveryLeft": codes.count, "recoveryCodes": codes, "hasRecoveryCodes": true,
                               "notice": t["staff_notice_totp_enabled"] ?? ""], forced: false)
        } catch let error as any UserFacingError {
            return try await twoFactor(req, ctx, extra: ["error": SecurityRoutes(services: services).message(error, req, ctx), "errorField": "code"],
                                       status: HTTPResponse.Status(code: error.status))
        } catch let error as TwoFactor.Failure {
            return try await twoFactor(req, ctx, extra: ["error": SecurityRoutes(services: services).message(error, req, ctx), "errorField": "code"],
                                       status: .unprocessableContent)
        }
    }

    func sessionList(_ req: Request, _ ctx: StaffRequestContext, extra more: [String: Any] = [:], status: HTTPResponse.Status = .ok) async throws -> Response {
        let t = pages.strings(req, ctx)
        let list = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            try await SessionList.active(user: ctx.staff.user.id, audience: .staff, in: tx)
        }
        var extra: [String: Any] = [
            "sessions": list.map { s in
                ["id": s.id.uuidString.lowercased(), "created": StaffAdminView.date(s.createdAt, t), "lastSeen": StaffAdminView.date(s.lastSeenAt, t),
                 "ip": s.ip, "userAgent": s.userAgent, "current": s.id == ctx.staff.sessionID] as [String: Any]
            },
        ]
        if let done = req.uri.queryParameters.get("done") { extra["notice"] = t["staff_notice_\(done)"] ?? "" }
        extra.merge(more) { _, new in new }
        return try render("admin/sessions", "staff_title_sessions", req, ctx, extra, status: status)
    }

    /// Ends one of the member's own sessions (their current one signs them out).
    func revoke(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        do {
            _ = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            guard let id = UUID(uuidString: ctx.parameters.get("session") ?? "") else { throw StaffAdminError(field: "session", .sessionNotFound) }
            let revoked = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                try await SessionList.revoke(id: id, user: ctx.staff.user.id, actor: ctx.staff.actor, requestID: ctx.requestID, in: tx)
            }
            guard revoked else { throw StaffAdminError(field: "session", .sessionNotFound) }
            if id == ctx.staff.sessionID {
                var response = Responses.seeOther("/admin")
                response.setCookie(Responses.clearCookie(.staff, path: "/", secure: services.config.secureCookies))
                return response
            }
            return Responses.seeOther("/admin/security/sessions?done=session_revoked")
        } catch let error as any UserFacingError {
            let r = StaffAdminView.refusal(error, t)
            return try await sessionList(req, ctx, extra: r.extra, status: r.status)
        }
    }
}
