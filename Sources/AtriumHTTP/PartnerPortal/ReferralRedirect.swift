import AtriumPartners
import Foundation
import Hummingbird

extension PartnerPortalRoutes {
    /// `/r/<code>`: counts a click on the link and sends the visitor where the link points:
    /// `landing` → `/`, `register` → `/register` (both remember the code for attribution at
    /// registration), `sub_ib` → the partner application with the code as parent. A code no link
    /// has is remembered and sent to registration, as before links were counted.
    static func referral(_ req: Request, _ ctx: BrandRequestContext, services: AppServices) async throws -> Response {
        guard let code = ctx.parameters.get("code"), TraderRoutes.isReferralCode(code) else { return Responses.seeOther("/register") }
        let link = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await PartnerLinks.click(code: code, in: tx) }
        guard let link else {
            var response = Responses.seeOther("/register")
            response.setCookie(TraderRoutes.referralCookie(code))
            return response
        }
        var response = Responses.seeOther(link.target.path(code: link.code))
        // A sub-IB link recruits a partner, not a client: the code travels in the URL instead.
        if link.target != .subIB { response.setCookie(TraderRoutes.referralCookie(link.code)) }
        return response
    }
}
