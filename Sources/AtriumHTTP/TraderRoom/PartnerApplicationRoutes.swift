import AtriumCore
import AtriumIdentity
import AtriumPartners
import AtriumStorage
import Foundation
import Hummingbird

/// Trader's Room "Become a partner" (`/become-partner`): a signed-in trader applies with their
/// account's name and email; the page then shows the application's status.
struct PartnerApplicationRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }

    func register(on router: Router<BrandRequestContext>) {
        let traders = router.traders(services)
        traders.get("/become-partner") { req, ctx in try await page(req, ctx) }
        traders.post("/become-partner") { req, ctx in try await apply(req, ctx) }
    }

    /// What the page shows: the latest application, or the form when there is none to wait for.
    func view(_ ctx: TraderRequestContext, _ t: [String: String]) async throws -> [String: Any] {
        let (latest, isPartner) = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            (try await PartnerApplications.latest(trader: ctx.trader.user.id, in: tx),
             try await !tx.query("SELECT 1 FROM partners WHERE trader_id = \(ctx.trader.user.id)").collect().isEmpty)
        }
        var out: [String: Any] = ["user": ["name": ctx.trader.user.name, "email": ctx.trader.user.email], "isPartner": isPartner]
        if let latest {
            out["application"] = ["status": latest.status, "statusLabel": t["network_status_\(latest.status)"] ?? latest.status,
                                  "reason": latest.reason, "hasReason": !latest.reason.isEmpty, "date": latest.createdAt.formatted(.iso8601)]
        }
        out["canApply"] = !isPartner && latest?.status != "pending"
        return out
    }

    func page(_ req: Request, _ ctx: TraderRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        var extra = try await view(ctx, t)
        if req.uri.queryParameters.get("sent") == "1" { extra["notice"] = t["network_application_sent"] ?? "" }
        return try pages.render("trader/become-partner", title: "network_title_become_partner", request: req, context: ctx, extra: extra)
    }

    func apply(_ req: Request, _ ctx: TraderRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        var values: [String: String] = [:]
        do {
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            values = ["website": form["website"] ?? "", "message": form["message"] ?? ""]
            let user = ctx.trader.user
            // A sub-IB link remembered by the browser, else the code the trader registered with.
            let cookie = req.cookies[TraderRoutes.referralCookieName]?.value
            try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                let registered = try await tx.query("SELECT referral_code FROM users WHERE id = \(user.id)").collect().first?.decode(String?.self) ?? nil
                var code = cookie
                let cookieIsSubIB = try await PartnerDirectory.subIBParent(code: cookie ?? "", in: tx) != nil
                if !cookieIsSubIB { code = registered }
                try await PartnerApplications.submit(.init(traderID: user.id, name: user.name, email: user.email, country: ctx.trader.profile.country,
                                                           website: values["website"] ?? "", message: values["message"] ?? "",
                                                           passwordHash: nil, referralCode: code), requestID: ctx.requestID, in: tx)
            }
            return Responses.seeOther("/become-partner?sent=1")
        } catch {
            var extra = try await view(ctx, t)
            extra["values"] = values
            return try pages.rejected(PartnerErrorText.localized(error, t), template: "trader/become-partner", title: "network_title_become_partner",
                                      request: req, context: ctx, extra: extra)
        }
    }
}
