import AtriumCompliance
import AtriumBrandConfig
import AtriumCore
import AtriumIdentity
import AtriumKYC
import AtriumPartners
import AtriumPayments
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird

/// Trader's Room entry points: landing, login, registration, logout.
struct TraderRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }

    func register(on router: Router<BrandRequestContext>) {
        router.group().add(middleware: TraderSession(services: services, required: false)).get("/") { req, ctx in try await landing(req, ctx) }
        router.get("/login") { req, ctx in try pages.render("trader/login", title: "title_login", request: req, context: ctx) }
        router.post("/login") { req, ctx in try await login(req, ctx, audience: .trader, template: "trader/login", home: "/") }
        router.get("/register") { req, ctx in
            Self.remembering(referral: req, try pages.render("trader/register", title: "title_register", request: req, context: ctx, extra: countries(selected: "")))
        }
        router.get("/r/:code") { req, ctx in try await PartnerPortalRoutes.referral(req, ctx, services: services) }
        router.post("/register") { req, ctx in try await registerTrader(req, ctx) }
        router.post("/logout") { req, ctx in try await logout(req, ctx, audience: .trader, home: "/") }
    }

    static let referralCookieName = "atrium_ref"

    static func isReferralCode(_ code: String) -> Bool {
        code.count <= 32 && code.range(of: "^[A-Za-z0-9_-]+$", options: .regularExpression) != nil
    }

    static func referralCookie(_ code: String) -> Cookie {
        Cookie(name: referralCookieName, value: code, maxAge: 30 * 86_400, path: "/", httpOnly: true, sameSite: .lax)
    }

    /// `?ref=<code>` on the landing or registration page is remembered for 30 days (last click wins).
    static func remembering(referral req: Request, _ response: Response) -> Response {
        guard let code = req.uri.queryParameters.get("ref").map({ String($0) }), isReferralCode(code) else { return response }
        var response = response
        response.setCookie(referralCookie(code))
        return response
    }

    /// Visitors get the landing page; a trader `TraderSession` signed in gets their home page.
    func landing(_ req: Request, _ ctx: BrandRequestContext) async throws -> Response {
        let anonymous = { Self.remembering(referral: req, try pages.render("trader/landing", title: "title_landing", request: req, context: ctx)) }
        guard let trader = ctx.trader else { return try anonymous() }
        // The language follows the client across browsers: a choice made here is kept on the
        // account, and a browser without a choice gets the account's language.
        let available = ctx.tenant.config?.locales.available ?? []
        let chosen = req.uri.queryParameters.get("lang").map { String($0) }.flatMap { available.contains($0) ? $0 : nil }
        let (user, profile) = (trader.user, trader.profile)
        if let chosen {
            try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await tx.query("UPDATE users SET preferred_locale = \(chosen) WHERE id = \(user.id)") }
        }
        if chosen == nil, req.cookies["atrium_lang"] == nil, let preferred = profile.preferredLocale, available.contains(preferred),
           preferred != PageContext.locale(for: req, site: ctx.site) {
            return Responses.seeOther("/?lang=\(preferred)")
        }
        // Real balances from the ledger (none until the first deposit); never placeholder figures.
        let (wallets, recent) = try await services.payments.summary(tenant: ctx.tenant.handle, user: user.id, limit: 5)
        let verified = profile.emailVerified
        let kycStatus = profile.kycStatus
        let t = pages.strings(req, ctx)
        var extra: [String: Any] = [:]
        if req.uri.queryParameters.get("sent") == "verification" { extra["notice"] = t["notice_verification_sent"] ?? "" }
        return try pages.render("trader/home", title: "title_home", request: req, context: ctx,
                                extra: extra.merging(["user": ["name": user.name, "email": user.email], "emailUnverified": !verified,
                                        "kycStatus": kycStatus, "kycStatusLabel": t["kyc_status_\(kycStatus)"] ?? kycStatus,
                                        "recent": recent.map { WalletRoutes.view($0, t: t) },
                                        "wallets": wallets.map { ["currency": $0.currency.code, "balance": WalletRoutes.amountText($0.balance, $0.currency),
                                                                  "available": WalletRoutes.amountText($0.available, $0.currency)] }]) { _, new in new })
    }

    /// Shared by every tenant-audience login form (Trader's Room, IB Portal, Back Office).
    func login(_ req: Request, _ ctx: BrandRequestContext, audience: Audience, template: String, home: String) async throws -> Response {
        return try await pages.loginForm(req, ctx, audience: audience, template: template, title: "title_login", home: home) { email, password, old in
            try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                try await services.authenticator.login(email: email, password: password, audience: audience, ip: ctx.clientIP,
                                                       userAgent: req.headers[.userAgent] ?? "", replacing: old, requestID: ctx.requestID, in: tx)
            }
        }
    }

    func logout(_ req: Request, _ ctx: BrandRequestContext, audience: Audience, home: String) async throws -> Response {
        _ = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: pages.strings(req, ctx))
        if let token = req.cookies[audience.cookieName]?.value {
            try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await Sessions.delete(token: token, in: tx) }
        }
        var response = Responses.seeOther(home)
        response.setCookie(Responses.clearCookie(audience, path: "/", secure: services.config.secureCookies))
        return response
    }

    /// Creates a trader account and signs it in. Email verification and KYC come with the onboarding work.
    func registerTrader(_ req: Request, _ ctx: BrandRequestContext) async throws -> Response {
        guard let config = ctx.tenant.config else { throw HTTPError(.notFound) }
        let t = pages.strings(req, ctx)
        var values: [String: String] = [:]
        do {
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            values = ["name": form["name"] ?? "", "email": form["email"] ?? "", "phone": form["phone"] ?? "", "tax_id": form["tax_id"] ?? ""]
            let name = try Forms.required(form, "name", max: 200, strings: t)
            let email = try Forms.required(form, "email", max: 254, strings: t).lowercased()
            let password = try Forms.required(form, "password", max: PasswordHasher.maximumLength, strings: t)
            let country = try Forms.required(form, "country", max: 2, strings: t)
            // The brand's rules, shared with the API's `POST /clients`; the form names the first one broken, in form order.
            let registration = TraderRegistration(name: name, email: email, country: country, phone: form["phone"] ?? "", taxID: form["tax_id"] ?? "")
            let failures = registration.failures(brand: config)
            if failures.contains(.invalidEmail) { throw RequestRejected(status: 400, publicMessage: "error_invalid_email") }
            guard password.count >= PasswordHasher.minimumLength else { throw RequestRejected(status: 400, publicMessage: "error_password_too_short") }
            if failures.contains(.invalidCountry) { throw RequestRejected(status: 400, publicMessage: "error_invalid_country") }
            if failures.contains(.blockedCountry) { throw RequestRejected(status: 422, publicMessage: "error_blocked_country") }
            guard form["accept_terms"] == "yes" else { throw RequestRejected(status: 400, publicMessage: "error_terms") }
            if failures.contains(.phone) { throw RequestRejected(status: 400, publicMessage: "\(t["field_phone"] ?? "phone"): \(t["error_phone"] ?? "")") }
            if failures.contains(.taxIDRequired) {
                throw RequestRejected(status: 400, publicMessage: "\(t["field_tax_id"] ?? "tax id"): \(t["error_required_for_country"] ?? "")")
            }
            if failures.contains(.taxIDTooLong) {
                throw RequestRejected(status: 400, publicMessage: "\(t["field_tax_id"] ?? "tax id"): \((t["error_too_long"] ?? "").replacingOccurrences(of: "{{max}}", with: "32"))")
            }
            let locale = PageContext.locale(for: req, site: ctx.site)
            let hash = try await services.authenticator.hasher.hash(password)
            let token = try await services.tenantDB.transaction(ctx.tenant.handle) { tx -> String? in
                let cookie = req.cookies[Self.referralCookieName]?.value ?? ""
                guard let id = try await registration.create(services: services, brand: config, passwordHash: hash, actor: { "trader:\($0.uuidString.lowercased())" },
                                                             referral: Self.isReferralCode(cookie) ? cookie : nil, userAgent: req.headers[.userAgent] ?? "",
                                                             locale: locale, requestCountry: ctx.clientCountry, requestID: ctx.requestID, in: tx) else {
                    return nil
                }
                try await AccountMail(services: services).sendVerification(user: id, email: email, brand: config,
                                                                           locale: PageContext.locale(for: req, site: ctx.site), in: tx)
                return try await Sessions.create(user: id, audience: .trader, ip: ctx.clientIP, userAgent: req.headers[.userAgent] ?? "", replacing: nil, in: tx)
            }
            guard let token else {
                // Same wording whether or not the address exists, so the form cannot probe accounts.
                return try pages.render("trader/login", title: "title_login", request: req, context: ctx, extra: ["notice": t["error_email_taken_neutral"] ?? ""])
            }
            var response = Responses.seeOther("/")
            response.setCookie(Responses.sessionCookie(.trader, token: token, path: "/", secure: services.config.secureCookies))
            return response
        } catch {
            var extra = countries(selected: values["country"] ?? "")
            extra["values"] = values
            return try pages.rejected(error, template: "trader/register", title: "title_register", request: req, context: ctx, extra: extra)
        }
    }

    func countries(selected: String) -> [String: Any] {
        ["countries": Countries.all.sorted { $0.value < $1.value }.map { ["code": $0.key, "name": $0.value, "selected": $0.key == selected] as [String: Any] }]
    }
}
