import AtriumBrandConfig
import AtriumCore
import AtriumIdentity
import AtriumPartners
import AtriumQR
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird

/// Links: the list with funnel figures and QR codes, one link, and the create form.
extension PartnerPortalRoutes {
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
}
