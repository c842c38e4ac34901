import AtriumBrandConfig
import AtriumCore
import AtriumIdentity
import AtriumQR
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird

/// Two-factor sign-in for traders: enrollment with an authenticator app (otpauth URI and a QR code
/// drawn as inline SVG by our own encoder), recovery codes, and the second sign-in step.
struct SecurityRoutes: Sendable {
    static let challengeCookie = "atrium_2fa"
    let services: AppServices
    var pages: Pages { Pages(services: services) }

    func register(on router: Router<BrandRequestContext>) {
        let traders = router.traders(services)
        traders.get("/security") { req, ctx in try await security(req, ctx) }
        traders.post("/security/totp/setup") { req, ctx in try await setup(req, ctx) }
        traders.post("/security/totp/enable") { req, ctx in try await enable(req, ctx) }
        traders.post("/security/totp/disable") { req, ctx in try await disable(req, ctx) }
        router.get("/login/2fa") { req, ctx in try secondStepForm(req, ctx) }
        router.post("/login/2fa") { req, ctx in try await secondStep(req, ctx) }
    }

    func page(_ req: Request, _ ctx: TraderRequestContext, user: SessionUser, extra: [String: Any] = [:], status: HTTPResponse.Status = .ok) async throws -> Response {
        let key = services.keys.totp(tenant: ctx.tenant.handle.id)
        let (enabled, remaining) = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            (try await TwoFactor.state(user: user.id, key: key, in: tx).enabled, try await TwoFactor.remainingRecoveryCodes(user: user.id, in: tx))
        }
        var context: [String: Any] = ["user": ["name": user.name, "email": user.email], "totpEnabled": enabled, "recoveryLeft": remaining]
        context.merge(extra) { _, new in new }
        return try pages.render("trader/security", title: "title_security", request: req, context: ctx, extra: context, status: status)
    }

    func security(_ req: Request, _ ctx: TraderRequestContext) async throws -> Response {
        try await page(req, ctx, user: ctx.trader.user)
    }

    /// Shows a new secret as a QR code and as text, and asks for a first code.
    func setup(_ req: Request, _ ctx: TraderRequestContext) async throws -> Response {
        _ = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: pages.strings(req, ctx))
        let key = services.keys.totp(tenant: ctx.tenant.handle.id)
        let secret = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            guard try await !TwoFactor.state(user: ctx.trader.user.id, key: key, in: tx).enabled else { return [UInt8]() }
            return try await TwoFactor.beginEnrollment(user: ctx.trader.user.id, key: key, in: tx)
        }
        guard !secret.isEmpty else { return Responses.seeOther("/security") }
        return try await enrollmentPage(req, ctx, user: ctx.trader.user, brand: ctx.brand, secret: secret)
    }

    func enrollmentPage(_ req: Request, _ ctx: TraderRequestContext, user: SessionUser, brand: TenantConfig, secret: [UInt8],
                        error: (any Error)? = nil) async throws -> Response {
        let uri = TOTP.otpauthURI(secret: secret, issuer: brand.name, account: user.email)
        var extra: [String: Any] = ["enrolling": true, "otpauth": uri, "secretText": Base32.encode(secret), "qr": try QRCode(text: uri).svg(moduleSize: 5)]
        if let error { extra["error"] = message(error, req, ctx) }
        return try await page(req, ctx, user: user, extra: extra, status: error == nil ? .ok : .unprocessableContent)
    }

    func message(_ error: any Error, _ req: Request, _ ctx: some AtriumContext) -> String {
        let t = pages.strings(req, ctx)
        switch error {
        case TwoFactor.Failure.codeAlreadyUsed: return t["error_code_used"] ?? ""
        case TwoFactor.Failure.challengeExpired: return t["error_2fa_expired"] ?? ""
        case let e as any UserFacingError: return t[e.publicMessage] ?? e.publicMessage
        default: return t["error_code_wrong"] ?? ""
        }
    }

    func enable(_ req: Request, _ ctx: TraderRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
        let key = services.keys.totp(tenant: ctx.tenant.handle.id)
        do {
            let code = try Forms.required(form, "code", max: 20, strings: t)
            let codes = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                let recovery = try await TwoFactor.enable(user: ctx.trader.user.id, code: code, key: key, in: tx)
                try await AuditLog.append(AuditEntry(actor: ctx.trader.actor, action: "trader.totp_enabled",
                                                     subject: ctx.trader.actor, requestID: ctx.requestID), in: tx)
                return recovery
            }
            return try await page(req, ctx, user: ctx.trader.user, extra: ["recoveryCodes": codes, "hasRecoveryCodes": true, "notice": t["notice_totp_enabled"] ?? ""])
        } catch {
            let secret = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await TwoFactor.state(user: ctx.trader.user.id, key: key, in: tx).secret }
            guard let secret else { return Responses.seeOther("/security") }
            return try await enrollmentPage(req, ctx, user: ctx.trader.user, brand: ctx.brand, secret: secret, error: error)
        }
    }

    func disable(_ req: Request, _ ctx: TraderRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
        let key = services.keys.totp(tenant: ctx.tenant.handle.id)
        do {
            let code = try Forms.required(form, "code", max: 20, strings: t)
            try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                try await TwoFactor.disable(user: ctx.trader.user.id, code: code, key: key, in: tx)
                try await AuditLog.append(AuditEntry(actor: ctx.trader.actor, action: "trader.totp_disabled",
                                                     subject: ctx.trader.actor, requestID: ctx.requestID), in: tx)
            }
            return try await page(req, ctx, user: ctx.trader.user, extra: ["notice": t["notice_totp_disabled"] ?? ""])
        } catch {
            return try await page(req, ctx, user: ctx.trader.user, extra: ["error": message(error, req, ctx)], status: .unprocessableContent)
        }
    }

    func secondStepForm(_ req: Request, _ ctx: BrandRequestContext) throws -> Response {
        guard req.cookies[Self.challengeCookie] != nil else { return Responses.seeOther("/login") }
        return try pages.render("trader/login-2fa", title: "title_login", request: req, context: ctx)
    }

    /// The second sign-in step: a TOTP code or a recovery code answers the challenge cookie.
    func secondStep(_ req: Request, _ ctx: BrandRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        guard let challenge = req.cookies[Self.challengeCookie]?.value else { return Responses.seeOther("/login") }
        do {
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            let code = try Forms.required(form, "code", max: 20, strings: t)
            let keys = services.keys
            let result = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                try await TwoFactor.completeLogin(challenge: challenge, code: code, key: { _ in keys.totp(tenant: ctx.tenant.handle.id) },
                                                  replacing: nil, requestID: ctx.requestID, in: tx)
            }.get()
            var response = Responses.seeOther(result.audience == .staff ? "/admin" : result.audience == .ib ? "/partners" : "/")
            response.setCookie(Responses.sessionCookie(result.audience, token: result.token, path: "/", secure: services.config.secureCookies))
            response.setCookie(Cookie(name: Self.challengeCookie, value: "", maxAge: 0, path: "/", secure: services.config.secureCookies, httpOnly: true, sameSite: .lax))
            return response
        } catch {
            if case TwoFactor.Failure.challengeExpired = error {
                var response = try pages.render("trader/login", title: "title_login", request: req, context: ctx, extra: ["error": message(error, req, ctx)],
                                                status: .gone)
                response.setCookie(Cookie(name: Self.challengeCookie, value: "", maxAge: 0, path: "/", secure: services.config.secureCookies, httpOnly: true, sameSite: .lax))
                return response
            }
            let status: HTTPResponse.Status = (error as? any UserFacingError).map { HTTPResponse.Status(code: $0.status) } ?? .unauthorized
            return try pages.render("trader/login-2fa", title: "title_login", request: req, context: ctx, extra: ["error": message(error, req, ctx)], status: status)
        }
    }
}
