import AtriumBrandConfig
import AtriumCore
import AtriumIdentity
import AtriumPartners
import AtriumPayments
import Foundation
import Hummingbird

/// The IB's commission wallet in the Partner Portal: balances, withdrawals and their status. It is
/// the trader wallet's flow (`Payments.requestWithdrawal`, the brand's withdrawal rules, the Finance
/// queue) with the IB as the client; IBs do not deposit.
struct PartnerWalletRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }
    var payments: Payments { services.payments }

    /// The Partner Portal header (the IB and the Wallet tab) around `extra`.
    func chrome(_ ctx: PartnerRequestContext, _ extra: [String: Any]) -> [String: Any] {
        var context: [String: Any] = ["ib": ["name": ctx.partner.user.name, "email": ctx.partner.user.email], "nav_wallet": true]
        context.merge(extra) { _, new in new }
        return context
    }

    func register(on router: Router<BrandRequestContext>) {
        let partners = router.partners("/partners", services: services)
        partners.get("/wallet") { req, ctx in try await wallet(req, ctx) }
        partners.post("/wallet/withdraw") { req, ctx in try await withdraw(req, ctx) }
        partners.get("/wallet/payments/:id") { req, ctx in try await payment(req, ctx) }
    }

    func brand(_ ctx: PartnerRequestContext) throws -> TenantConfig {
        guard let brand = ctx.tenant.config else { throw HTTPError(.notFound) }
        return brand
    }

    func context(_ ctx: PartnerRequestContext, brand: TenantConfig, strings t: [String: String], form: [String: String] = [:]) async throws -> [String: Any] {
        let (wallets, history) = try await payments.summary(tenant: ctx.tenant.handle, user: ctx.partner.user.id)
        let currencies = payments.currencies(brand)
        let chosen = form["currency"] ?? wallets.first?.currency.code ?? currencies.first ?? ""
        return [
            "partner": ["name": ctx.partner.user.name, "email": ctx.partner.user.email],
            "wallets": wallets.map { ["currency": $0.currency.code, "balance": WalletRoutes.amountText($0.balance, $0.currency),
                                      "available": WalletRoutes.amountText($0.available, $0.currency), "held": WalletRoutes.amountText($0.debitsPending, $0.currency)] },
            "withdrawCurrencies": currencies.map { ["code": $0, "selected": $0 == chosen] },
            "withdrawMethods": payments.psps(brand).filter { $0.isConfigured && $0.gateway().supportsPayouts }.map { p in
                ["id": p.id, "label": t["psp_type_\(p.type)"] ?? p.type, "currencies": p.config.currencies.joined(separator: ", "),
                 "selected": form["method"] == p.id] as [String: Any]
            },
            "history": history.map { WalletRoutes.view($0, t: t) },
            "idem": Token.random(bytes: 16),
            "values": form,
        ]
    }

    func wallet(_ req: Request, _ ctx: PartnerRequestContext) async throws -> Response {
        let extra = try await context(ctx, brand: try brand(ctx), strings: pages.strings(req, ctx))
        return try pages.render("partners/wallet", title: "title_partner_wallet", request: req, context: ctx, extra: chrome(ctx, extra))
    }

    func withdraw(_ req: Request, _ ctx: PartnerRequestContext) async throws -> Response {
        let brand = try brand(ctx)
        let t = pages.strings(req, ctx)
        var form: [String: String] = [:]
        do {
            form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            let (money, method, key) = try WalletRoutes(services: services).paymentForm(form, strings: t)
            let user = ctx.partner.user
            let country = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await PartnerWallet.country(user: user.id, in: tx) }
            guard let country else { throw HTTPError(.notFound) }
            let client = PaymentClient(id: user.id, email: user.email, country: country, ip: ctx.clientIP,
                                       userAgent: String((req.headers[.userAgent] ?? "").prefix(400)))
            let w = try await payments.requestWithdrawal(tenant: ctx.tenant.handle, brand: brand, client: client, pspID: method, money: money,
                                                         idempotencyKey: key, origin: WalletRoutes(services: services).origin(req))
            return Responses.seeOther("/partners/wallet/payments/\(w.id.uuidString.lowercased())")
        } catch {
            let extra = try await context(ctx, brand: brand, strings: t, form: form)
            return try pages.rejected(error, template: "partners/wallet", title: "title_partner_wallet", request: req, context: ctx, extra: chrome(ctx, extra))
        }
    }

    func payment(_ req: Request, _ ctx: PartnerRequestContext) async throws -> Response {
        guard let id = UUID(uuidString: ctx.parameters.get("id") ?? ""),
              let (p, events) = try await payments.payment(tenant: ctx.tenant.handle, id: id, owner: ctx.partner.user.id) else {
            throw RequestRejected(status: 404, publicMessage: "error_payment_not_found")
        }
        let t = pages.strings(req, ctx)
        let extra: [String: Any] = [
            "partner": ["name": ctx.partner.user.name, "email": ctx.partner.user.email], "payment": WalletRoutes.view(p, t: t),
            "events": events.map { ["at": $0.at.formatted(.iso8601), "status": t["payment_status_\($0.to)"] ?? $0.to,
                                    // risk signals behind a review stay internal, as in the Trader's Room
                                    "detail": ($0.to == "review" || $0.detail.isEmpty) ? false as Any : $0.detail as Any] as [String: Any] },
            "waiting": p.status == .created || p.status == .pending || p.status == .processing || p.status == .approved,
        ]
        return try pages.render("partners/payment", title: "title_payment", request: req, context: ctx, extra: chrome(ctx, extra))
    }
}
