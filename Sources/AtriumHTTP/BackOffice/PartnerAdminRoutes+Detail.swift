import AtriumCore
import AtriumPartners
import AtriumStorage
import Foundation
import Hummingbird

/// The Back Office IB page (`/admin/partners/ib/:id`): clients, sub-IBs, links, plan and parent
/// history, with the effective-dated "move sub-IB" and "reassign a client" forms.
extension PartnerAdminRoutes {
    /// The IB of the path, in this brand only: another brand's id is simply not found.
    func partnerID(_ ctx: StaffRequestContext) throws -> UUID {
        guard let id = ctx.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw RequestRejected(status: 404, publicMessage: "network_error_not_found") }
        return id
    }

    func detailView(_ req: Request, _ ctx: StaffRequestContext, id: UUID) async throws -> [String: Any] {
        let t = pages.strings(req, ctx)
        let data = try await services.tenantDB.transaction(ctx.tenant.handle) { tx -> (PartnerDirectory.Summary, [PartnerDirectory.Client], [PartnerTree.Node],
                                                                                       [PartnerDirectory.Link], [PartnerDirectory.PlanAssignment],
                                                                                       [PartnerDirectory.ParentChange])? in
            guard let summary = try await PartnerDirectory.summary(id, in: tx) else { return nil }
            return (summary, try await PartnerDirectory.clients(of: id, in: tx), try await PartnerTree.subtree(of: id, in: tx),
                    try await PartnerDirectory.links(of: id, in: tx), try await PartnerDirectory.planHistory(of: id, in: tx),
                    try await PartnerDirectory.parentHistory(of: id, in: tx))
        }
        guard let (p, clients, subtree, links, plans, parents) = data else { throw RequestRejected(status: 404, publicMessage: "network_error_not_found") }
        var extra = RequirePermission.pageContext(ctx.staff)
        extra["partner"] = ["id": p.id.uuidString.lowercased(), "name": p.name, "email": p.email, "code": p.code, "currency": p.currency,
                            "status": p.status, "statusLabel": t["network_status_\(p.status)"] ?? p.status, "parent": p.parentName ?? "",
                            "parentId": p.parentID?.uuidString.lowercased() ?? "", "hasParent": p.parentID != nil, "created": StaffTime.minute(p.createdAt)] as [String: Any]
        extra["clients"] = clients.map { ["id": $0.id.uuidString.lowercased(), "name": $0.name, "email": $0.email, "country": $0.country,
                                          "since": StaffTime.minute($0.since), "reason": t["network_reason_\($0.reason)"] ?? $0.reason] }
        extra["subIBs"] = subtree.filter { $0.depth > 0 }.map { ["id": $0.partnerID.uuidString.lowercased(), "name": $0.name, "email": $0.email,
                                                                 "depth": $0.depth, "indent": Double($0.depth - 1) * 1.5] as [String: Any] }
        extra["links"] = links.map { ["code": $0.code, "campaign": $0.campaign, "target": $0.target, "isDefault": $0.isDefault, "clicks": $0.clicks] as [String: Any] }
        extra["plans"] = plans.map { ["name": $0.planName, "from": StaffTime.minute($0.effectiveFrom)] }
        extra["parents"] = parents.map { ["parent": $0.parentName ?? (t["network_top_level"] ?? "top level"), "parentId": $0.parentID?.uuidString.lowercased() ?? "",
                                          "from": StaffTime.minute($0.effectiveFrom), "note": $0.note, "by": $0.by ?? ""] }
        extra["today"] = String(Date().formatted(.iso8601).prefix(10))
        return extra
    }

    func partnerPage(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        var extra = try await detailView(req, ctx, id: try partnerID(ctx))
        for key in ["created", "moved", "reassigned"] where req.uri.queryParameters.get(key) != nil { extra["notice"] = t["network_notice_\(key)"] ?? "" }
        return try pages.render("admin/partner", title: "network_title_partner", request: req, context: ctx, extra: extra)
    }

    /// Runs a change of the IB page; a refusal renders the page again with the error and its 4xx.
    func change(_ req: Request, _ ctx: StaffRequestContext, done: String,
                _ action: @Sendable ([String: String], UUID, TenantTransaction) async throws -> Void) async throws -> Response {
        let t = pages.strings(req, ctx)
        let id = try partnerID(ctx)
        var values: [String: String] = [:]
        do {
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            values = form.filter { $0.key != "_csrf" }
            let found = try await services.tenantDB.transaction(ctx.tenant.handle) { tx -> Bool in
                guard try await PartnerDirectory.status(of: id, in: tx) != nil else { return false }
                try await action(form, id, tx)
                return true
            }
            guard found else { throw RequestRejected(status: 404, publicMessage: "network_error_not_found") }
            return Responses.seeOther("/admin/partners/ib/\(id.uuidString.lowercased())?\(done)=1")
        } catch {
            var extra = try await detailView(req, ctx, id: id)
            extra["values"] = values
            return try pages.rejected(PartnerErrorText.localized(error, t), template: "admin/partner", title: "network_title_partner", request: req,
                                      context: ctx, extra: extra)
        }
    }

    /// Moves this IB under another (`parent`: id, email or link code; empty: top level).
    func move(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let (staff, actor, requestID) = (ctx.staff.user.id, ctx.staff.actor, ctx.requestID)
        return try await change(req, ctx, done: "moved") { form, id, tx in
            let at = try EffectiveDate.instant(form["effective_date"] ?? "")
            guard let reference = form["parent"] else { throw PartnerError.invalid(field: "parent", reason: .required) }
            var parent: UUID?
            if !reference.trimmingCharacters(in: .whitespaces).isEmpty {
                guard let found = try await PartnerDirectory.resolve(reference, in: tx) else { throw PartnerError.invalid(field: "parent", reason: .notFound) }
                parent = found
            }
            try await PartnerTree.move(id, to: parent, effectiveFrom: at, note: form["note"] ?? "", by: staff, actor: actor, requestID: requestID, in: tx)
        }
    }

    /// Gives a client (email or id) to this IB from the effective date on.
    func reassign(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let (staff, actor, requestID) = (ctx.staff.user.id, ctx.staff.actor, ctx.requestID)
        return try await change(req, ctx, done: "reassigned") { form, id, tx in
            let at = try EffectiveDate.instant(form["effective_date"] ?? "")
            _ = try await Attribution.reassign(client: form["client"] ?? "", to: id, effectiveFrom: at, note: form["note"] ?? "", by: staff, actor: actor,
                                               requestID: requestID, in: tx)
        }
    }
}
