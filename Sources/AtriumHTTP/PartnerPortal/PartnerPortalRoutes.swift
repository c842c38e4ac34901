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

    // MARK: Dashboard

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

    // MARK: Links

    func links(_ req: Request, _ ctx: PartnerRequestContext, extra: [String: Any] = [:], status: HTTPResponse.Status = .ok) async throws -> Response {
        let me = try await account(ctx)
        let list = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await PartnerLinks.list(partner: me.id, in: tx) }
        let t = pages.strings(req, ctx)
        let origin = origin(req)
        var context: [String: Any] = [
            "links": try list.map { try linkView($0, origin: origin, t: t, qr: true) },
            "targets": PartnerLinks.Target.allCases.map { ["value": $0.rawValue, "label": t["portal_target_\($0.rawValue)"] ?? $0.rawValue] },
        ]
        context.merge(extra) { _, new in new }
        return try render("partners/links", title: "portal_title_links", nav: "links", req, ctx, extra: context, status: status)
    }

    func link(_ req: Request, _ ctx: PartnerRequestContext) async throws -> Response {
        let me = try await account(ctx)
        guard let id = ctx.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let found = try await services.tenantDB.transaction(ctx.tenant.handle, { tx in try await PartnerLinks.find(id, partner: me.id, in: tx) })
        else { throw HTTPError(.notFound) }
        let t = pages.strings(req, ctx)
        return try render("partners/link", title: "portal_title_links", nav: "links", req, ctx,
                          extra: ["link": try linkView(found, origin: origin(req), t: t, qr: true)])
    }

    func linkView(_ l: PartnerLinks.Link, origin: String, t: [String: String], qr: Bool) throws -> [String: Any] {
        let url = "\(origin)/r/\(l.code)"
        var view: [String: Any] = [
            "id": l.id.uuidString.lowercased(), "code": l.code, "campaign": l.campaign, "target": l.target.rawValue,
            "targetLabel": t["portal_target_\(l.target.rawValue)"] ?? l.target.rawValue, "isDefault": l.isDefault, "url": url,
            "clicks": l.clicks, "registrations": l.registrations, "verified": l.verified, "funded": l.funded,
        ]
        if qr { view["qr"] = try QRCode(text: url).svg(moduleSize: 3) }
        return view
    }

    /// The brand origin the IB is using, so that links point at the host they share.
    func origin(_ req: Request) -> String {
        let host = req.head.headerFields[.hostHeader] ?? req.head.authority ?? ""
        return (services.config.secureCookies ? "https://" : "http://") + host
    }

    func createLink(_ req: Request, _ ctx: PartnerRequestContext) async throws -> Response {
        let me = try await account(ctx)
        let t = pages.strings(req, ctx)
        let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
        // A suspended IB keeps reading its figures but recruits no one new.
        guard me.status == "active" else {
            return try await links(req, ctx, extra: ["error": t["portal_error_suspended"] ?? "suspended"], status: .forbidden)
        }
        let campaign: String, target: PartnerLinks.Target
        do {
            (campaign, target) = try PartnerLinks.validate(campaign: form["campaign"], target: form["target"])
        } catch {
            let message = "\(t["portal_field_\(error.field)"] ?? error.field): \(t["portal_error_\(error.field)"] ?? error.reason)"
            return try await links(req, ctx, extra: ["error": message, "values": ["campaign": form["campaign"] ?? ""], "errorField": error.field],
                                   status: HTTPResponse.Status(code: error.status))
        }
        let actor = "ib:\(ctx.partner.user.id.uuidString.lowercased())"
        let created = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            let created = try await PartnerLinks.create(partner: me.id, campaign: campaign, target: target, in: tx)
            try await AuditLog.append(AuditEntry(actor: actor, action: "partner.link_created", subject: "partner_link:\(created.id.uuidString.lowercased())",
                                                 after: try CanonicalJSON.object(["code": created.code, "campaign": campaign, "target": target.rawValue]),
                                                 requestID: ctx.requestID), in: tx)
            return created
        }
        return Responses.seeOther("/partners/links#link-\(created.code)")
    }

    // MARK: Clients

    func clients(_ req: Request, _ ctx: PartnerRequestContext) async throws -> Response {
        let me = try await account(ctx)
        let list = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await PartnerReports.clients(partner: me.id, now: Date(), in: tx) }
        let full = ctx.tenant.config?.partnerProgram.showsClientNames ?? false
        return try render("partners/clients", title: "portal_title_clients", nav: "clients", req, ctx,
                          extra: ["clients": list.map { clientView($0, full: full) }, "showNames": full])
    }

    func client(_ req: Request, _ ctx: PartnerRequestContext) async throws -> Response {
        let me = try await account(ctx)
        guard let id = ctx.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let found = try await services.tenantDB.transaction(ctx.tenant.handle, { tx in try await PartnerReports.client(id, partner: me.id, now: Date(), in: tx) })
        else { throw HTTPError(.notFound) }
        let full = ctx.tenant.config?.partnerProgram.showsClientNames ?? false
        return try render("partners/client", title: "portal_title_clients", nav: "clients", req, ctx,
                          extra: ["client": clientView(found, full: full), "showNames": full])
    }

    func clientView(_ c: PartnerReports.Client, full: Bool) -> [String: Any] {
        var view: [String: Any] = [
            "id": c.id.uuidString.lowercased(), "initial": PartnerFigures.initial(c.name), "country": c.country.isEmpty ? "—" : c.country,
            "since": Self.day(c.since), "lots": PartnerFigures.lots(c.lotsExt), "funded": c.funded, "verified": c.verified,
        ]
        // The brand's privacy setting decides; the names are not even in the page context otherwise.
        if full { view["name"] = c.name; view["email"] = c.email }
        return view
    }

    static func day(_ date: Date) -> String { String(ISO8601DateFormatter().string(from: date).prefix(10)) }

    // MARK: Network

    func network(_ req: Request, _ ctx: PartnerRequestContext) async throws -> Response {
        let me = try await account(ctx)
        let now = Date()
        let period = PartnerPeriod(containing: now)
        let nodes = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            try await PartnerReports.network(partner: me.id, period: period, now: now, in: tx)
        }
        return try render("partners/network", title: "portal_title_network", nav: "network", req, ctx, extra: [
            "period": period.text,
            "subs": nodes.map { n in
                ["id": n.id.uuidString.lowercased(), "name": n.name, "depth": n.depth, "indent": (n.depth - 1) * 2,
                 "lots": PartnerFigures.lots(n.lotsExt), "override": money(n.override)] as [String: Any]
            },
        ])
    }

    // MARK: Statements

    /// `?period=YYYY-MM` (default: this month); anything else is a 400 naming the field.
    func period(_ req: Request, _ t: [String: String]) throws -> PartnerPeriod {
        guard let text = req.uri.queryParameters.get("period").map({ String($0) }), !text.isEmpty else { return PartnerPeriod(containing: Date()) }
        guard let period = PartnerPeriod(text) else {
            throw RequestRejected(status: 400, publicMessage: "\(t["portal_field_period"] ?? "period"): \(t["portal_error_period"] ?? "YYYY-MM")")
        }
        return period
    }

    func statement(_ req: Request, _ ctx: PartnerRequestContext, print: Bool) async throws -> Response {
        let me = try await account(ctx)
        let t = pages.strings(req, ctx)
        let period = try period(req, t)
        let lines = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await PartnerReports.statement(partner: me.id, period: period, in: tx) }
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withFullDate, .withSpaceBetweenDateAndTime, .withTime, .withColonSeparatorInTime]
        return try render(print ? "partners/statement-print" : "partners/statements", title: "portal_title_statements", nav: "statements", req, ctx, extra: [
            "period": period.text, "previous": period.previous.text, "next": period.next.text,
            "totals": money(PartnerReports.totals(lines)), "count": lines.count,
            "lines": lines.map { l in
                var view: [String: Any] = [
                    "id": l.id, "time": iso.string(from: l.dealTime), "connection": l.connectionID, "deal": l.deal,
                    "symbol": l.symbol, "lots": PartnerFigures.lots(l.lotsExt), "rate": l.rate, "level": l.level,
                    "component": t["portal_component_\(l.component)"] ?? l.component, "kind": t["portal_kind_\(l.kind)"] ?? l.kind,
                    "plan": "\(l.plan) v\(l.planVersion)", "amount": PartnerFigures.amount(l.amount, currency: l.currency), "currency": l.currency,
                    "status": l.status, "statusLabel": t["portal_status_\(l.status)"] ?? l.status,
                ]
                // Left out rather than "": any string is true to Mustache.
                if l.dealRevision > 1 { view["revision"] = "r\(l.dealRevision)" }
                // An excluded line says why in place of its status.
                if let why = l.excluded { view["statusLabel"] = t["portal_excluded_\(why)"] ?? why }
                return view
            },
        ])
    }

    func statementCSV(_ req: Request, _ ctx: PartnerRequestContext) async throws -> Response {
        let me = try await account(ctx)
        let period = try period(req, pages.strings(req, ctx))
        let lines = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await PartnerReports.statement(partner: me.id, period: period, in: tx) }
        var response = Responses.text(PartnerReports.csv(lines), contentType: "text/csv; charset=utf-8")
        response.headers[.contentDisposition] = "attachment; filename=\"statement-\(period.text).csv\""
        response.headers[.cacheControl] = "no-store"
        return response
    }

    // MARK: Payouts

    func payouts(_ req: Request, _ ctx: PartnerRequestContext) async throws -> Response {
        let me = try await account(ctx)
        let list = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await PartnerReports.payouts(partner: me.id, in: tx) }
        let t = pages.strings(req, ctx)
        return try render("partners/payouts", title: "portal_title_payouts", nav: "payouts", req, ctx, extra: [
            "payouts": list.map { p in
                ["period": p.periodStart == p.periodEnd ? p.periodStart : "\(p.periodStart) – \(p.periodEnd)", "currency": p.currency,
                 "amount": PartnerFigures.amount(p.amount, currency: p.currency), "lines": p.lines, "status": p.status,
                 "statusLabel": t["portal_payout_\(p.status)"] ?? p.status, "posted": p.postedAt.map(Self.day) ?? "—"] as [String: Any]
            },
        ])
    }
}
