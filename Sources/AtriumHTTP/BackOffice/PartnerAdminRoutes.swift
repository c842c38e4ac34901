import AtriumCore
import AtriumIdentity
import AtriumPartners
import AtriumStorage
import Foundation
import Hummingbird

/// Back Office IB network (`/admin/partners…`, `partners.manage`): the IB list with search, the
/// tree, the applications queue (approve with a plan, reject with a reason) and creating an IB.
/// The IB page and its moves are in `PartnerAdminRoutes+Detail.swift`.
struct PartnerAdminRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }

    func register(on router: Router<BrandRequestContext>) {
        let staff = router.staff("/admin/partners", .partnersManage, services: services)
        staff.get { req, ctx in try await list(req, ctx) }
        staff.get("tree") { req, ctx in try await tree(req, ctx) }
        staff.get("applications") { req, ctx in try await queue(req, ctx) }
        staff.post("applications/:id/approve") { req, ctx in try await approve(req, ctx) }
        staff.post("applications/:id/reject") { req, ctx in try await reject(req, ctx) }
        staff.get("new") { req, ctx in try await newForm(req, ctx, values: [:]) }
        staff.post("new") { req, ctx in try await create(req, ctx) }
        staff.get("ib/:id") { req, ctx in try await partnerPage(req, ctx) }
        staff.post("ib/:id/move") { req, ctx in try await move(req, ctx) }
        staff.post("ib/:id/reassign") { req, ctx in try await reassign(req, ctx) }
    }


    func list(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let q = req.uri.queryParameters.get("q").map { String($0.prefix(100)) } ?? ""
        let rows = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await PartnerDirectory.search(q, in: tx) }
        let t = pages.strings(req, ctx)
        var extra = RequirePermission.pageContext(ctx.staff)
        extra["q"] = q
        extra["partners"] = rows.map { p -> [String: Any] in
            ["id": p.id.uuidString.lowercased(), "name": p.name, "email": p.email, "code": p.code, "status": p.status,
             "statusLabel": t["network_status_\(p.status)"] ?? p.status, "parent": p.parentName ?? "", "clients": p.clients,
             "currency": p.currency, "created": StaffTime.minute(p.createdAt)]
        }
        if let notice = req.uri.queryParameters.get("created") { extra["notice"] = (t["network_notice_created"] ?? "") + " " + String(notice) }
        return try pages.render("admin/partners", title: "network_title_partners", request: req, context: ctx, extra: extra)
    }

    func tree(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let nodes = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await PartnerTree.forest(in: tx) }
        var extra = RequirePermission.pageContext(ctx.staff)
        extra["nodes"] = nodes.map { n -> [String: Any] in
            ["id": n.partnerID.uuidString.lowercased(), "name": n.name, "email": n.email, "depth": n.depth, "indent": Double(n.depth) * 1.5,
             "status": n.status]
        }
        return try pages.render("admin/partner-tree", title: "network_title_tree", request: req, context: ctx, extra: extra)
    }

    /// The queue page's data: pending applications (oldest first), recent decisions and the plans.
    func queueView(_ req: Request, _ ctx: StaffRequestContext) async throws -> [String: Any] {
        let t = pages.strings(req, ctx)
        let (pending, all, plans) = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            (try await PartnerApplications.list(status: "pending", in: tx), try await PartnerApplications.list(status: nil, limit: 50, in: tx),
             try await PartnerDirectory.plans(in: tx))
        }
        let row = { (a: PartnerApplications.Application) -> [String: Any] in
            ["id": a.id.uuidString.lowercased(), "name": a.name, "email": a.email, "country": a.country, "website": a.website, "message": a.message,
             "kind": a.traderID == nil ? (t["network_kind_visitor"] ?? "visitor") : (t["network_kind_trader"] ?? "trader"),
             "parentCode": a.parentCode ?? "", "status": a.status, "statusLabel": t["network_status_\(a.status)"] ?? a.status, "reason": a.reason,
             "partner": a.partnerID?.uuidString.lowercased() ?? "", "hasPartner": a.partnerID != nil, "date": StaffTime.minute(a.createdAt)]
        }
        var extra = RequirePermission.pageContext(ctx.staff)
        extra["pending"] = pending.map(row)
        extra["decided"] = all.filter { $0.status != "pending" }.map(row)
        extra["plans"] = plans.map { ["id": $0.id.uuidString.lowercased(), "name": $0.name] }
        extra["hasPlans"] = !plans.isEmpty
        return extra
    }

    func queue(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        var extra = try await queueView(req, ctx)
        if let done = req.uri.queryParameters.get("done") { extra["notice"] = t["network_notice_\(done)"] ?? "" }
        return try pages.render("admin/partner-applications", title: "network_title_applications", request: req, context: ctx, extra: extra)
    }

    /// Runs a queue action; a refusal renders the queue again with the error and its 4xx.
    func decide(_ req: Request, _ ctx: StaffRequestContext, done: String,
                _ action: @Sendable ([String: String], UUID, TenantTransaction) async throws -> Void) async throws -> Response {
        let t = pages.strings(req, ctx)
        do {
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            guard let id = ctx.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw PartnerError.invalid(field: "application", reason: .notFound) }
            try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await action(form, id, tx) }
            return Responses.seeOther("/admin/partners/applications?done=\(done)")
        } catch {
            return try pages.rejected(PartnerErrorText.localized(error, t), template: "admin/partner-applications", title: "network_title_applications",
                                      request: req, context: ctx, extra: try await queueView(req, ctx))
        }
    }

    func approve(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let currency = ctx.tenant.config?.partnerProgram.resolvedCurrency ?? "USD"
        let (staff, actor, requestID) = (ctx.staff.user.id, ctx.staff.actor, ctx.requestID)
        return try await decide(req, ctx, done: "approved") { form, id, tx in
            guard let plan = (form["plan_id"]).flatMap(UUID.init(uuidString:)) else { throw PartnerError.invalid(field: "plan_id", reason: .required) }
            _ = try await PartnerApplications.approve(id, plan: plan, currency: currency, by: staff, actor: actor, requestID: requestID, in: tx)
        }
    }

    func reject(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let (staff, actor, requestID) = (ctx.staff.user.id, ctx.staff.actor, ctx.requestID)
        return try await decide(req, ctx, done: "rejected") { form, id, tx in
            try await PartnerApplications.reject(id, reason: form["reason"] ?? "", by: staff, actor: actor, requestID: requestID, in: tx)
        }
    }

    func newForm(_ req: Request, _ ctx: StaffRequestContext, values: [String: String], error: (any Error)? = nil) async throws -> Response {
        let plans = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await PartnerDirectory.plans(in: tx) }
        var extra = RequirePermission.pageContext(ctx.staff)
        extra["values"] = values
        extra["plans"] = plans.map { ["id": $0.id.uuidString.lowercased(), "name": $0.name, "selected": $0.id.uuidString.lowercased() == values["plan_id"]] }
        extra["hasPlans"] = !plans.isEmpty
        if let error {
            return try pages.rejected(error, template: "admin/partner-new", title: "network_title_new", request: req, context: ctx, extra: extra)
        }
        return try pages.render("admin/partner-new", title: "network_title_new", request: req, context: ctx, extra: extra)
    }

    /// Staff create an IB (name, email, plan, optional parent); the IB is mailed an invitation.
    func create(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        var values: [String: String] = [:]
        do {
            guard let brand = ctx.tenant.config else { throw HTTPError(.notFound) }
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            values = ["name": form["name"] ?? "", "email": form["email"] ?? "", "plan_id": form["plan_id"] ?? "", "parent": form["parent"] ?? ""]
            guard let plan = values["plan_id"].flatMap(UUID.init(uuidString:)) else { throw PartnerError.invalid(field: "plan_id", reason: .required) }
            let (staff, actor, requestID) = (ctx.staff.user.id, ctx.staff.actor, ctx.requestID)
            let locale = brand.locales.default
            let created = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                var parent: UUID?
                let reference = (values["parent"] ?? "").trimmingCharacters(in: .whitespaces)
                if !reference.isEmpty {
                    guard let found = try await PartnerDirectory.resolve(reference, in: tx) else { throw PartnerError.invalid(field: "parent", reason: .notFound) }
                    parent = found
                }
                let (created, token) = try await PartnerDirectory.invite(.init(name: values["name"] ?? "", email: values["email"] ?? "", passwordHash: nil,
                                                                               planID: plan, parentID: parent, currency: brand.partnerProgram.resolvedCurrency,
                                                                               createdBy: staff), actor: actor, requestID: requestID, in: tx)
                let mail = AccountMail(services: services)
                try await mail.send(.partnerInvitation, to: (values["email"] ?? "").lowercased(),
                                    link: mail.link(brand, "/partners/invite/\(token)"), brand: brand, locale: locale, in: tx)
                return created
            }
            return Responses.seeOther("/admin/partners/ib/\(created.partnerID.uuidString.lowercased())?created=1")
        } catch {
            return try await newForm(req, ctx, values: values, error: PartnerErrorText.localized(error, t))
        }
    }
}
