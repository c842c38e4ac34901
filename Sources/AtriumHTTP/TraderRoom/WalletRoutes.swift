import AtriumBrandConfig
import AtriumCore
import AtriumIdentity
import AtriumLedger
import AtriumPayments
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird

/// Trader's Room wallet: balances, deposits, withdrawals, payment status.
struct WalletRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }
    var payments: Payments { services.payments }

    func register(on router: Router<BrandRequestContext>) {
        let traders = router.traders(services)
        // The wallet's pages only read this brand's database: one tenant transaction each.
        let readOnly = router.traders(services, sharingTransaction: true)
        readOnly.get("/wallet") { req, ctx in try await wallet(req, ctx) }
        traders.post("/wallet/deposit") { req, ctx in try await deposit(req, ctx) }
        traders.post("/wallet/withdraw") { req, ctx in try await withdraw(req, ctx) }
        readOnly.get("/wallet/payments/:id") { req, ctx in try await payment(req, ctx) }
        readOnly.get("/wallet/deposits/:id") { req, ctx in try await payment(req, ctx) }
    }

    func client(_ t: TraderPrincipal, _ req: Request, _ ctx: TraderRequestContext) -> PaymentClient {
        PaymentClient(id: t.user.id, email: t.user.email, country: t.profile.country, ip: ctx.clientIP, userAgent: String((req.headers[.userAgent] ?? "").prefix(400)))
    }

    /// The origin the client used, so return and callback URLs point back at this brand host.
    func origin(_ req: Request) -> String {
        let host = req.head.headerFields[.hostHeader] ?? req.head.authority ?? ""
        return (services.config.secureCookies ? "https://" : "http://") + host
    }

    static func amountText(_ minor: Int64, _ currency: Currency) -> String { Money(minor: minor, currency: currency).amountText }

    static func view(_ p: PaymentRecord, t: [String: String]) -> [String: Any] {
        [
            "id": p.id.uuidString.lowercased(), "kind": p.kind.rawValue, "kindLabel": t["payment_kind_\(p.kind.rawValue)"] ?? p.kind.rawValue,
            "reference": p.reference, "psp": p.pspID, "amount": amountText(p.amount, p.currency), "currency": p.currency.code,
            // Settled next to requested on every screen; the PSP's own figure only where it differs.
            "settled": p.settledAmount.map { "\(amountText($0, p.currency)) \(p.currency.code)" } ?? "—", "status": p.status.rawValue,
            "pspReported": p.pspDiffers ? [p.pspText ?? ""] : [],
            "statusLabel": t["payment_status_\(p.status.rawValue)"] ?? p.status.rawValue,
            "reasons": p.reviewReasons.map { ["code": $0, "label": t["review_reason_\($0)"] ?? $0] },
            "approvals": p.approvals, "requiredApprovals": p.requiredApprovals, "email": p.email,
            "clientId": p.userID.uuidString.lowercased(), "failure": p.failureReason,
            "created": p.createdAt.formatted(.iso8601),
            "isReview": p.status == .review, "isPendingWire": p.pspType == "bank_wire" && p.status == .pending,
        ]
    }

    func walletContext(_ t: TraderPrincipal, tenant: TenantRecord, brand: TenantConfig, strings: [String: String],
                       form: [String: String] = [:], psps: [ResolvedPSP]? = nil) async throws -> [String: Any] {
        let (wallets, history) = try await payments.summary(tenant: tenant.handle, user: t.user.id)
        let psps = psps ?? payments.psps(brand)
        let currencies = payments.currencies(brand)
        // Default to the first currency of the brand's preferred PSP.
        let preferred = psps.filter(\.isConfigured).min { ($0.config.priority ?? 100) < ($1.config.priority ?? 100) }?.config.currencies.first
        let chosenCurrency = form["currency"] ?? preferred ?? currencies.first ?? ""
        return [
            "user": ["name": t.user.name, "email": t.user.email],
            "wallets": wallets.map { ["currency": $0.currency.code, "balance": Self.amountText($0.balance, $0.currency),
                                      "available": Self.amountText($0.available, $0.currency), "held": Self.amountText($0.debitsPending, $0.currency)] },
            "currencies": currencies.map { ["code": $0, "selected": $0 == chosenCurrency] },
            "withdrawCurrencies": currencies.map { ["code": $0, "selected": $0 == (form["currency"] ?? chosenCurrency)] },
            "depositMethods": psps.filter(\.isConfigured).map { p in
                ["id": p.id, "label": strings["psp_type_\(p.type)"] ?? p.type, "currencies": p.config.currencies.joined(separator: ", "),
                 "selected": form["method"] == p.id] as [String: Any]
            },
            "withdrawMethods": psps.filter { $0.isConfigured && $0.gateway().supportsPayouts }.map { p in
                ["id": p.id, "label": strings["psp_type_\(p.type)"] ?? p.type, "currencies": p.config.currencies.joined(separator: ", ")] as [String: Any]
            },
            "history": history.map { Self.view($0, t: strings) },
            "idem": Token.random(bytes: 16),
            "values": form,
        ]
    }

    func wallet(_ req: Request, _ ctx: TraderRequestContext) async throws -> Response {
        let (tenant, brand, t) = (ctx.tenant, ctx.brand, ctx.trader)
        // Resolved once for the form and the page's CSP (each resolution derives the PSP keys).
        let psps = payments.psps(brand)
        let extra = try await walletContext(t, tenant: tenant, brand: brand, strings: pages.strings(req, ctx), psps: psps)
        return allowingCheckout(try pages.render("trader/wallet", title: "title_wallet", request: req, context: ctx, extra: extra), brand: brand, psps: psps)
    }

    /// The deposit form redirects to the PSP's hosted page; CSP `form-action` covers redirects after a
    /// form post, so the wallet page names this brand's checkout origins (and nothing else).
    func allowingCheckout(_ response: Response, brand: TenantConfig, psps: [ResolvedPSP]? = nil) -> Response {
        var origins: Set<String> = []
        for p in psps ?? payments.psps(brand) where p.isConfigured && p.type != "bank_wire" {
            if p.type == "stripe" && !p.usesSandbox { origins.insert("https://checkout.stripe.com") }
            if let url = URLComponents(string: p.endpoint), let scheme = url.scheme, let host = url.host {
                origins.insert("\(scheme)://\(host)\(url.port.map { ":\($0)" } ?? "")")
            }
        }
        guard !origins.isEmpty, let csp = response.headers[.contentSecurityPolicy] else { return response }
        var response = response
        response.headers[.contentSecurityPolicy] = csp.replacingOccurrences(of: "form-action 'self'", with: "form-action 'self' " + origins.sorted().joined(separator: " "))
        return response
    }

    /// Reads currency, amount and method of a payment form; errors name the field.
    func paymentForm(_ form: [String: String], strings t: [String: String]) throws -> (Money, String, String) {
        let code = (form["currency"] ?? "").uppercased()
        guard let currency = Currency(code) else { throw PaymentError.unknownCurrency(code) }
        let money = try Money.parse(form["amount"] ?? "", currency: currency, field: t["field_amount"] ?? "amount")
        guard money.minor > 0 else { throw InputError(field: t["field_amount"] ?? "amount", reason: t["error_amount_positive"] ?? "must be more than zero") }
        let method = try Forms.required(form, "method", max: 64, strings: t)
        let key = try Forms.required(form, "idem", max: 64, strings: t)
        return (money, method, key)
    }

    /// What a wallet form submits, once read and checked.
    struct PaymentPost: Sendable {
        let tenant: TenantRecord
        let brand: TenantConfig
        let client: PaymentClient
        let money: Money
        let method: String
        let key: String
        let origin: String
    }

    /// Shared by the deposit and withdrawal forms: reads the form, runs `perform` (which returns
    /// where to go next), and re-renders the wallet with the error and a 4xx otherwise.
    func paymentPost(_ req: Request, _ ctx: TraderRequestContext, perform: (PaymentPost) async throws -> String) async throws -> Response {
        let (tenant, brand, t) = (ctx.tenant, ctx.brand, ctx.trader)
        let strings = pages.strings(req, ctx)
        var form: [String: String] = [:]
        do {
            form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: strings)
            let (money, method, key) = try paymentForm(form, strings: strings)
            return Responses.seeOther(try await perform(PaymentPost(tenant: tenant, brand: brand, client: client(t, req, ctx), money: money,
                                                                    method: method, key: key, origin: origin(req))))
        } catch {
            // A PSP that failed is not offered again first: preselect the next one that can take it.
            if case PaymentError.pspUnavailable(let next) = error, let first = next.first { form["method"] = first }
            let extra = try await walletContext(t, tenant: tenant, brand: brand, strings: strings, form: form)
            return allowingCheckout(try pages.rejected(error, template: "trader/wallet", title: "title_wallet", request: req, context: ctx, extra: extra), brand: brand)
        }
    }

    func deposit(_ req: Request, _ ctx: TraderRequestContext) async throws -> Response {
        try await paymentPost(req, ctx) { p in
            switch try await payments.startDeposit(tenant: p.tenant.handle, brand: p.brand, client: p.client, pspID: p.method, money: p.money,
                                                   idempotencyKey: p.key, origin: p.origin) {
            case .redirect(_, let url): url
            case .instructions(let id, _), .existing(let id): "/wallet/payments/\(id.uuidString.lowercased())"
            }
        }
    }

    func withdraw(_ req: Request, _ ctx: TraderRequestContext) async throws -> Response {
        try await paymentPost(req, ctx) { p in
            let w = try await payments.requestWithdrawal(tenant: p.tenant.handle, brand: p.brand, client: p.client, pspID: p.method, money: p.money,
                                                         idempotencyKey: p.key, origin: p.origin)
            return "/wallet/payments/\(w.id.uuidString.lowercased())"
        }
    }

    func payment(_ req: Request, _ ctx: TraderRequestContext) async throws -> Response {
        let (tenant, brand, t) = (ctx.tenant, ctx.brand, ctx.trader)
        guard let id = UUID(uuidString: ctx.parameters.get("id") ?? ""),
              let (p, events) = try await payments.payment(tenant: tenant.handle, id: id, owner: t.user.id) else {
            throw RequestRejected(status: 404, publicMessage: "error_payment_not_found")
        }
        let strings = pages.strings(req, ctx)
        var extra: [String: Any] = ["user": ["name": t.user.name, "email": t.user.email], "payment": Self.view(p, t: strings),
                                    "events": events.map { ["at": $0.at.formatted(.iso8601), "status": strings["payment_status_\($0.to)"] ?? $0.to,
                                                            // risk signals behind a review stay internal
                                                            "detail": ($0.to == "review" || $0.detail.isEmpty) ? false as Any : $0.detail as Any] as [String: Any] }]
        if p.pspType == "bank_wire", p.status == .pending, let psp = payments.psp(brand, id: p.pspID) {
            extra["bank"] = ["reference": p.reference, "details": psp.bankDetails.sorted { $0.key < $1.key }.map { ["label": $0.key, "value": $0.value] }]
        }
        if req.uri.queryParameters.get("cancelled") != nil { extra["notice"] = strings["notice_payment_cancelled"] ?? "" }
        extra["waiting"] = p.status == .created || p.status == .pending || p.status == .processing || p.status == .approved
        return try pages.render("trader/payment", title: "title_payment", request: req, context: ctx, extra: extra)
    }
}
