import AtriumCore
import AtriumIdentity
import AtriumKYC
import AtriumPayments
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird

/// IB Portal (`/partners`): entry page, sign-in and sign-out for partner accounts.
struct PartnerRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }
    var traders: TraderRoutes { TraderRoutes(services: services) }

    func register(on router: Router<BrandRequestContext>) {
        router.group().add(middleware: PartnerSession(services: services, required: false)).get("/partners") { req, ctx in try await partners(req, ctx) }
        router.post("/partners/login") { req, ctx in try await traders.login(req, ctx, audience: .ib, template: "partners/index", home: "/partners") }
        router.post("/partners/logout") { req, ctx in try await traders.logout(req, ctx, audience: .ib, home: "/partners") }
    }

    /// The sign-in page, greeting the partner `PartnerSession` signed in.
    func partners(_ req: Request, _ ctx: BrandRequestContext) async throws -> Response {
        if ctx.partner != nil { return Responses.seeOther("/partners/dashboard") }
        var extra: [String: Any] = [:]
        if let user = ctx.partner?.user { extra["user"] = ["name": user.name, "email": user.email] }
        return try pages.render("partners/index", title: "title_partners", request: req, context: ctx, extra: extra)
    }
}
