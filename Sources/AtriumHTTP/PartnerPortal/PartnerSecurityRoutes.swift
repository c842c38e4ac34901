import AtriumBrandConfig
import AtriumCore
import AtriumIdentity
import AtriumQR
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird

/// Two-factor sign-in for IBs under `/partners/security`. The Trader's Room page
/// (`SecurityRoutes`) is bound to the trader context, its template and its `/security` form
/// actions, so the portal has its own routes over the same `TwoFactor` store; the second sign-in
/// step (`/login/2fa`) is shared and sends an IB back to `/partners`.
struct PartnerSecurityRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }
    var messages: SecurityRoutes { SecurityRoutes(services: services) }

    func register(on router: Router<BrandRequestContext>) {
        let portal = router.partners("/partners", services: services)
        portal.get("/security") { req, ctx in try await page(req, ctx) }
        portal.post("/security/totp/setup") { req, ctx in try await setup(req, ctx) }
        portal.post("/security/totp/enable") { req, ctx in try await enable(req, ctx) }
        portal.post("/security/totp/disable") { req, ctx in try await disable(req, ctx) }
    }

    func actor(_ ctx: PartnerRequestContext) -> String { "ib:\(ctx.partner.user.id.uuidString.lowercased())" }

    func page(_ req: Request, _ ctx: PartnerRequestContext, extra: [String: Any] = [:], status: HTTPResponse.Status = .ok) async throws -> Response {
        let user = ctx.partner.user
        let key = services.keys.totp(tenant: ctx.tenant.handle.id)
        let (enabled, remaining) = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            (try await TwoFactor.state(user: user.id, key: key, in: tx).enabled, try await TwoFactor.remainingRecoveryCodes(user: user.id, in: tx))
        }
        var context: [String: Any] = ["ib": ["name": user.name, "email": user.email], "nav_security": true, "totpEnabled": enabled, "recoveryLeft": remaining]
        context.merge(extra) { _, new in new }
        return try pages.render("partners/security", title: "title_security", request: req, context: ctx, extra: context, status: status)
    }

    func setup(_ req: Request, _ ctx: PartnerRequestContext) async throws -> Response {
        _ = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: pages.strings(req, ctx))
        let key = services.keys.totp(tenant: ctx.tenant.handle.id)
        let user = ctx.partner.user
        let secret = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            guard try await !TwoFactor.state(user: user.id, key: key, in: tx).enabled else { return [UInt8]() }
            return try await TwoFactor.beginEnrollment(user: user.id, key: key, in: tx)
        }
        guard !secret.isEmpty else { return Responses.seeOther("/partners/security") }
        return try await enrollment(req, ctx, secret: secret)
    }

    func enrollment(_ req: Request, _ ctx: PartnerRequestContext, secret: [UInt8], error: (any Error)? = nil) async throws -> Response {
        let uri = TOTP.otpauthURI(secret: secret, issuer: ctx.tenant.config?.name ?? ctx.tenant.handle.slug, account: ctx.partner.user.email)
        var extra: [String: Any] = ["enrolling": true, "otpauth": uri, "secretText": Base32.encode(secret), "qr": try QRCode(text: uri).svg(moduleSize: 5)]
        if let error { extra["error"] = messages.message(error, req, ctx) }
        return try await page(req, ctx, extra: extra, status: error == nil ? .ok : .unprocessableContent)
    }

    func enable(_ req: Request, _ ctx: PartnerRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
        let key = services.keys.totp(tenant: ctx.tenant.handle.id)
        let user = ctx.partner.user, actor = actor(ctx)
        do {
            let code = try Forms.required(form, "code", max: 20, strings: t)
            let codes = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                let recovery = try await TwoFactor.enable(user: user.id, code: code, key: key, in: tx)
                try await AuditLog.append(AuditEntry(actor: actor, action: "ib.totp_enabled", subject: actor, requestID: ctx.requestID), in: tx)
                return recovery
            }
            return try await page(req, ctx, extra: ["recoveryCodes": codes, "hasRecoveryCodes": true, "notice": t["notice_totp_enabled"] ?? ""])
        } catch {
            let secret = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await TwoFactor.state(user: user.id, key: key, in: tx).secret }
            guard let secret else { return Responses.seeOther("/partners/security") }
            return try await enrollment(req, ctx, secret: secret, error: error)
        }
    }

    func disable(_ req: Request, _ ctx: PartnerRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
        let key = services.keys.totp(tenant: ctx.tenant.handle.id)
        let user = ctx.partner.user, actor = actor(ctx)
        do {
            let code = try Forms.required(form, "code", max: 20, strings: t)
            try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                try await TwoFactor.disable(user: user.id, code: code, key: key, in: tx)
                try await AuditLog.append(AuditEntry(actor: actor, action: "ib.totp_disabled", subject: actor, requestID: ctx.requestID), in: tx)
            }
            return try await page(req, ctx, extra: ["notice": t["notice_totp_disabled"] ?? ""])
        } catch {
            return try await page(req, ctx, extra: ["error": messages.message(error, req, ctx)], status: .unprocessableContent)
        }
    }
}
