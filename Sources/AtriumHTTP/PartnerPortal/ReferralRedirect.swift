import AtriumPartners
import Foundation
import Hummingbird

extension PartnerPortalRoutes {
    /// `/r/<code>`: counts a click on the link and sends the visitor where the link points:
    /// `landing` → `/`, `register` → `/register`, `sub_ib` → the partner application with the code
    /// as `parent`. Every target remembers the code in the referral cookie: registration attributes
    /// by it, and the application form reads it as the parent when the query is lost. A code no
    /// link has is remembered and sent to registration, as before links were counted.
    static func referral(_ req: Request, _ ctx: BrandRequestContext, services: AppServices) async throws -> Response {
        guard let code = ctx.parameters.get("code"), TraderRoutes.isReferralCode(code) else { return Responses.seeOther("/register") }
        let link = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await PartnerLinks.click(code: code, in: tx) }
        guard let link else {
            var response = Responses.seeOther("/register")
            response.setCookie(TraderRoutes.referralCookie(code))
            return response
        }
        var response = Responses.seeOther(link.target.path(code: link.code))
        response.setCookie(TraderRoutes.referralCookie(link.code))
        return response
    }
}
