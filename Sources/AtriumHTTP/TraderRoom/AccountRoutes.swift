import AtriumBrandConfig
import AtriumCore
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import AtriumWork
import Foundation
import Hummingbird

/// Emails of a trader's account (verification, password reset), rendered from the brand's
/// templates in the reader's locale and queued in the outbox of the same transaction.
struct AccountMail: Sendable {
    let services: AppServices

    func send(_ kind: EmailTemplateKind, to email: String, link: String, brand: TenantConfig, locale: String,
              in tx: TenantTransaction) async throws {
        let mail = try await BrandMail(renderer: services.renderer).compose(kind, brand: brand, locale: locale, link: link, email: email, in: tx)
        try await Outbox.enqueue(to: email, subject: mail.subject, body: mail.body, in: tx)
    }

    func link(_ brand: TenantConfig, _ path: String) -> String { AppServices.baseURL(config: services.config)(brand) + path }

    /// Issues a verification token and mails its link.
    func sendVerification(user: UUID, email: String, brand: TenantConfig, locale: String, in tx: TenantTransaction) async throws {
        let token = try await EmailTokens.issue(user: user, purpose: .verifyEmail, in: tx)
        try await send(.verifyEmail, to: email, link: link(brand, "/verify/\(token)"), brand: brand,
                       locale: locale, in: tx)
    }
}

/// Address verification, password reset and signing out everywhere (Trader's Room).
struct AccountRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }
    var mail: AccountMail { AccountMail(services: services) }

    func register(on router: Router<BrandRequestContext>) {
        let traders = router.traders(services)
        router.get("/verify/:token") { req, ctx in try await verify(req, ctx) }
        traders.post("/verify/resend") { req, ctx in try await resend(req, ctx) }
        router.get("/password/forgot") { req, ctx in try pages.render("trader/forgot", title: "title_forgot", request: req, context: ctx) }
        router.post("/password/forgot") { req, ctx in try await forgot(req, ctx) }
        router.get("/password/reset/:token") { req, ctx in try await resetForm(req, ctx) }
        router.post("/password/reset/:token") { req, ctx in try await reset(req, ctx) }
        traders.post("/logout/all") { req, ctx in try await logoutEverywhere(req, ctx) }
    }

    func verify(_ req: Request, _ ctx: BrandRequestContext) async throws -> Response {
        let token = ctx.parameters.get("token") ?? ""
        let user = try await services.tenantDB.transaction(ctx.tenant.handle) { tx -> UUID? in
            guard let user = try await EmailTokens.consume(token: token, purpose: .verifyEmail, in: tx) else { return nil }
            try await Users.markEmailVerified(user: user, in: tx)
            try await AuditLog.append(AuditEntry(actor: "trader:\(user.uuidString.lowercased())", action: "trader.email_verified",
                                                 subject: "trader:\(user.uuidString.lowercased())", requestID: ctx.requestID), in: tx)
            return user
        }
        guard user != nil else { throw RequestRejected(status: 410, publicMessage: "error_link_invalid") }
        let t = pages.strings(req, ctx)
        return try pages.render("trader/verify", title: "title_verify", request: req, context: ctx, extra: ["notice": t["notice_email_verified"] ?? ""])
    }

    func resend(_ req: Request, _ ctx: TraderRequestContext) async throws -> Response {
        _ = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: pages.strings(req, ctx))
        let locale = PageContext.locale(for: req, site: ctx.site)
        if !ctx.trader.profile.emailVerified {
            try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                try await mail.sendVerification(user: ctx.trader.user.id, email: ctx.trader.profile.email, brand: ctx.brand, locale: locale, in: tx)
            }
        }
        return Responses.seeOther("/?sent=verification")
    }

    /// Always answers the same way, so the form cannot be used to find out who has an account.
    func forgot(_ req: Request, _ ctx: BrandRequestContext) async throws -> Response {
        guard let brand = ctx.tenant.config else { throw HTTPError(.notFound) }
        let t = pages.strings(req, ctx)
        do {
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            let email = try Forms.required(form, "email", max: 254, strings: t).lowercased()
            guard TenantConfig.isValidEmail(email) else { throw RequestRejected(status: 400, publicMessage: "error_invalid_email") }
            let locale = PageContext.locale(for: req, site: ctx.site)
            try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                guard let user = try await Users.find(audience: .trader, email: email, in: tx) else { return }
                let token = try await EmailTokens.issue(user: user, purpose: .resetPassword, in: tx)
                try await mail.send(.passwordReset, to: email, link: mail.link(brand, "/password/reset/\(token)"),
                                    brand: brand, locale: locale, in: tx)
                try await AuditLog.append(AuditEntry(actor: "anonymous:\(ctx.clientIP)", action: "trader.password_reset_requested",
                                                     subject: "trader:\(user.uuidString.lowercased())", requestID: ctx.requestID), in: tx)
            }
            return try pages.render("trader/forgot", title: "title_forgot", request: req, context: ctx,
                                    extra: ["notice": t["notice_reset_sent"] ?? "", "sent": true])
        } catch {
            return try pages.rejected(error, template: "trader/forgot", title: "title_forgot", request: req, context: ctx)
        }
    }

    func resetForm(_ req: Request, _ ctx: BrandRequestContext) async throws -> Response {
        let token = ctx.parameters.get("token") ?? ""
        guard let (_, email) = try await services.tenantDB.transaction(ctx.tenant.handle, { tx in
            try await EmailTokens.peek(token: token, purpose: .resetPassword, in: tx)
        }) else { throw RequestRejected(status: 410, publicMessage: "error_link_invalid") }
        return try pages.render("trader/reset", title: "title_reset", request: req, context: ctx, extra: ["token": token, "email": email])
    }

    /// Sets the new password, uses the token, and ends every session of the account.
    func reset(_ req: Request, _ ctx: BrandRequestContext) async throws -> Response {
        let token = ctx.parameters.get("token") ?? ""
        let t = pages.strings(req, ctx)
        do {
            let hash = try await pages.newPasswordHash(req, ctx, strings: t)
            let done = try await services.tenantDB.transaction(ctx.tenant.handle) { tx -> Bool in
                guard let user = try await EmailTokens.consume(token: token, purpose: .resetPassword, in: tx) else { return false }
                try await Users.setPassword(user: user, hash: hash, in: tx)
                try await Sessions.deleteAll(user: user, in: tx)
                try await AuditLog.append(AuditEntry(actor: "trader:\(user.uuidString.lowercased())", action: "trader.password_reset",
                                                     subject: "trader:\(user.uuidString.lowercased())", after: try CanonicalJSON.object(["sessions": "all ended"]),
                                                     requestID: ctx.requestID), in: tx)
                return true
            }
            guard done else { throw RequestRejected(status: 410, publicMessage: "error_link_invalid") }
            var response = try pages.render("trader/login", title: "title_login", request: req, context: ctx, extra: ["notice": t["notice_password_reset"] ?? ""])
            response.setCookie(Responses.clearCookie(.trader, path: "/", secure: services.config.secureCookies))
            return response
        } catch {
            return try pages.rejected(error, template: "trader/reset", title: "title_reset", request: req, context: ctx, extra: ["token": token])
        }
    }

    func logoutEverywhere(_ req: Request, _ ctx: TraderRequestContext) async throws -> Response {
        _ = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: pages.strings(req, ctx))
        try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            try await Sessions.deleteAll(user: ctx.trader.user.id, in: tx)
            try await AuditLog.append(AuditEntry(actor: ctx.trader.actor, action: "trader.logout_everywhere",
                                                 subject: ctx.trader.actor, requestID: ctx.requestID), in: tx)
        }
        var response = Responses.seeOther("/login")
        response.setCookie(Responses.clearCookie(.trader, path: "/", secure: services.config.secureCookies))
        return response
    }
}
