import AtriumBrandConfig
import AtriumCore
import AtriumIdentity
import AtriumPartners
import AtriumQR
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird

/// Clients, the sub-IB tree and payouts.
extension PartnerPortalRoutes {
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

    static func day(_ date: Date) -> String { String(date.formatted(.iso8601).prefix(10)) }

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
