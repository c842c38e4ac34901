import AtriumBrandConfig
import AtriumCore
import AtriumIdentity
import AtriumPartners
import AtriumQR
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird

/// The signed-in IB's portal: dashboard, links, clients, sub-IB network, statements (page, CSV,
/// print) and payouts. Every read is scoped to the partner row of the signed-in user; an id
/// outside it answers 404 like an id that does not exist.
struct PartnerPortalRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }

    func register(on router: Router<BrandRequestContext>) {
        let portal = router.partners("/partners", services: services)
        portal.get("/dashboard") { req, ctx in try await dashboard(req, ctx) }
        portal.get("/links") { req, ctx in try await links(req, ctx) }
        portal.post("/links") { req, ctx in try await createLink(req, ctx) }
        portal.get("/links/:id") { req, ctx in try await link(req, ctx) }
        portal.get("/clients") { req, ctx in try await clients(req, ctx) }
        portal.get("/clients/:id") { req, ctx in try await client(req, ctx) }
        portal.get("/network") { req, ctx in try await network(req, ctx) }
        portal.get("/statements") { req, ctx in try await statement(req, ctx, print: false) }
        portal.get("/statements/print") { req, ctx in try await statement(req, ctx, print: true) }
        portal.get("/statements/csv") { req, ctx in try await statementCSV(req, ctx) }
        portal.get("/payouts") { req, ctx in try await payouts(req, ctx) }
    }

    /// The partner row of the signed-in IB; an IB user without one (not approved yet) gets 404.
    func account(_ ctx: PartnerRequestContext) async throws -> PartnerAccount {
        let user = ctx.partner.user.id
        guard let account = try await services.tenantDB.transaction(ctx.tenant.handle, { tx in try await PartnerAccount.of(user: user, in: tx) }) else {
            throw HTTPError(.notFound)
        }
        return account
    }

    /// Renders a portal page with the IB, the navigation (current page marked) and the brand.
    func render(_ template: String, title: String, nav: String, _ req: Request, _ ctx: PartnerRequestContext, extra: [String: Any] = [:],
                status: HTTPResponse.Status = .ok) throws -> Response {
        var context: [String: Any] = ["ib": ["name": ctx.partner.user.name, "email": ctx.partner.user.email], "nav_\(nav)": true]
        context.merge(extra) { _, new in new }
        return try pages.render(template, title: title, request: req, context: ctx, extra: context, status: status)
    }

    func money(_ totals: [PartnerReports.Total]) -> [[String: Any]] {
        totals.map { ["currency": $0.currency, "amount": PartnerFigures.amount($0.minor, currency: $0.currency)] }
    }

    func dashboard(_ req: Request, _ ctx: PartnerRequestContext) async throws -> Response {
        let me = try await account(ctx)
        let now = Date()
        let period = PartnerPeriod(containing: now)
        let (figures, days) = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            (try await PartnerReports.dashboard(partner: me.id, period: period, now: now, in: tx),
             try await PartnerReports.daily(partner: me.id, currency: me.walletCurrency, days: 30, now: now, in: tx))
        }
        let t = pages.strings(req, ctx)
        let commissions = figures.commissions.isEmpty ? [PartnerReports.Total(currency: me.walletCurrency, minor: 0)] : figures.commissions
        return try render("partners/dashboard", title: "portal_title_dashboard", nav: "dashboard", req, ctx, extra: [
            "period": period.text, "commissions": money(commissions), "lots": PartnerFigures.lots(figures.lotsExt),
            "clients": figures.clients, "funded": figures.fundedClients, "currency": me.walletCurrency,
            "chart": CommissionChart.svg(days, currency: me.walletCurrency, label: t["portal_chart_label"] ?? "Daily commissions"),
            "days": days.reversed().map { ["date": $0.date, "amount": PartnerFigures.amount($0.minor, currency: me.walletCurrency)] },
        ])
    }
}
