import AtriumCore
import AtriumIdentity
import AtriumPartners
import AtriumStorage
import Foundation
import Hummingbird

/// Becoming an IB without a trader account: the visitor application form (`/partners/apply`,
/// with a password for the portal) and the invitation an IB created by staff follows to choose
/// a password (`/partners/invite/:token`).
struct PartnerApplyRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }

    func register(on router: Router<BrandRequestContext>) {
        router.get("/partners/apply") { req, ctx in try form(req, ctx) }
        router.post("/partners/apply") { req, ctx in try await apply(req, ctx) }
        router.get("/partners/invite/:token") { req, ctx in try await invitation(req, ctx) }
        router.post("/partners/invite/:token") { req, ctx in try await InvitationAcceptance(services: services, audience: .ib, home: "/partners", template: "partners/invite", title: "network_title_invite", action: "partner.invitation.accepted").accept(req, ctx) }
    }

    /// The referral code a visitor arrived with: `?parent=` (where `/r/<code>` sends a sub-IB
    /// link), `?ref=`, else the `atrium_ref` cookie.
    static func referral(_ req: Request) -> String {
        let code = (req.uri.queryParameters.get("parent") ?? req.uri.queryParameters.get("ref")).map { String($0) } ?? req.cookies[TraderRoutes.referralCookieName]?.value ?? ""
        return TraderRoutes.isReferralCode(code) ? code : ""
    }

    func extra(_ req: Request, values: [String: String], ref: String) -> [String: Any] {
        let selected = values["country"] ?? ""
        return ["values": values, "ref": ref,
                "countries": Countries.all.sorted { $0.value < $1.value }.map { ["code": $0.key, "name": $0.value, "selected": $0.key == selected] as [String: Any] }]
    }

    func form(_ req: Request, _ ctx: BrandRequestContext) throws -> Response {
        let t = pages.strings(req, ctx)
        var extra = extra(req, values: [:], ref: Self.referral(req))
        if req.uri.queryParameters.get("sent") == "1" { extra["notice"] = t["network_application_sent"] ?? "" }
        return try pages.render("partners/apply", title: "network_title_apply", request: req, context: ctx, extra: extra)
    }

    func apply(_ req: Request, _ ctx: BrandRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        var values: [String: String] = [:]
        var ref = ""
        do {
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            values = ["name": form["name"] ?? "", "email": form["email"] ?? "", "country": form["country"] ?? "",
                      "website": form["website"] ?? "", "message": form["message"] ?? ""]
            ref = form["ref"].flatMap { TraderRoutes.isReferralCode($0) ? $0 : nil } ?? Self.referral(req)
            let name = try Forms.required(form, "name", max: 200, strings: t)
            let email = try Forms.required(form, "email", max: 254, strings: t)
            let country = try Forms.required(form, "country", max: 2, strings: t)
            guard Countries.all[country] != nil else { throw RequestRejected(status: 400, publicMessage: "error_invalid_country") }
            let password = try Forms.required(form, "password", max: PasswordHasher.maximumLength, strings: t)
            guard password.count >= PasswordHasher.minimumLength else { throw RequestRejected(status: 400, publicMessage: "error_password_too_short") }
            guard form["password_confirm"] == password else { throw RequestRejected(status: 400, publicMessage: "error_passwords_differ") }
            let hash = try await services.authenticator.hasher.hash(password)
            let submission = PartnerApplications.Submission(traderID: nil, name: name, email: email, country: country, website: values["website"] ?? "",
                                                            message: values["message"] ?? "", passwordHash: hash, referralCode: ref.isEmpty ? nil : ref)
            try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                try await PartnerApplications.submit(submission, requestID: ctx.requestID, in: tx)
            }
            return Responses.seeOther("/partners/apply?sent=1")
        } catch {
            return try pages.rejected(PartnerErrorText.localized(error, t), template: "partners/apply", title: "network_title_apply", request: req,
                                      context: ctx, extra: extra(req, values: values, ref: ref))
        }
    }

    func invitation(_ req: Request, _ ctx: BrandRequestContext) async throws -> Response {
        let token = ctx.parameters.get("token") ?? ""
        let found = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await Invitations.peek(token: token, audience: .ib, in: tx) }
        guard let (_, email) = found else { throw RequestRejected(status: 410, publicMessage: "error_invitation_invalid") }
        return try pages.render("partners/invite", title: "network_title_invite", request: req, context: ctx, extra: ["token": token, "email": email])
    }

}
