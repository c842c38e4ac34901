import AtriumCore
import AtriumIdentity
import AtriumStorage
import Hummingbird

/// Accepting an invitation (`POST …/invite/:token`): the invited staff member or IB chooses a
/// password and is signed in to their own portal. The token only opens an account of `audience`.
struct InvitationAcceptance: Sendable {
    let services: AppServices
    let audience: Audience
    /// Where the fresh session lands (`/admin`, `/partners`).
    let home: String
    /// The invitation form, re-shown with the problem.
    let template: String
    let title: String
    /// The audit action (`staff.invitation.accepted`).
    let action: String
    var pages: Pages { Pages(services: services) }

    func accept(_ req: Request, _ ctx: BrandRequestContext) async throws -> Response {
        let token = ctx.parameters.get("token") ?? ""
        let t = pages.strings(req, ctx)
        let audience = audience
        do {
            let hash = try await pages.newPasswordHash(req, ctx, strings: t)
            let session = try await services.tenantDB.transaction(ctx.tenant.handle) { tx -> String? in
                guard let user = try await Invitations.consume(token: token, audience: audience, in: tx) else { return nil }
                try await Users.setPassword(user: user, hash: hash, in: tx)
                let who = "\(audience.rawValue):\(user.uuidString.lowercased())"
                try await AuditLog.append(AuditEntry(actor: who, action: action, subject: who, requestID: ctx.requestID), in: tx)
                return try await Sessions.create(user: user, audience: audience, ip: ctx.clientIP, userAgent: req.headers[.userAgent] ?? "",
                                                 replacing: req.cookies[audience.cookieName]?.value, in: tx)
            }
            guard let session else { throw RequestRejected(status: 410, publicMessage: "error_invitation_invalid") }
            var response = Responses.seeOther(home)
            response.setCookie(Responses.sessionCookie(audience, token: session, path: "/", secure: services.config.secureCookies))
            return response
        } catch {
            return try pages.rejected(error, template: template, title: title, request: req, context: ctx, extra: ["token": token])
        }
    }
}
