import AtriumCompliance
import AtriumCore
import AtriumCRM
import AtriumIdentity
import AtriumStorage
import Foundation
import Hummingbird

/// The one-screen client page, adding a note and editing the profile. Writing needs `clients.edit`;
/// a client outside the staff member's scope is a 404 whatever the action.
extension ClientAdminRoutes {
    static func clientID(_ ctx: StaffRequestContext) throws -> UUID {
        guard let id = UUID(uuidString: ctx.parameters.get("id") ?? "") else { throw RequestRejected(status: 404, publicMessage: "error_client_not_found") }
        return id
    }

    /// The page's context, or a 404 when the client is unknown or out of scope.
    func pageContext(_ req: Request, _ ctx: StaffRequestContext) async throws -> [String: Any] {
        let id = try Self.clientID(ctx)
        let scope = Self.scope(ctx)
        let loaded = try await services.tenantDB.transaction(ctx.tenant.handle) { tx -> (ClientProfile, [ClientNotes.Note], [ClientTimeline.Event])? in
            guard let profile = try await ClientProfile.load(id, scope: scope, in: tx) else { return nil }
            return (profile, try await ClientNotes.list(id, in: tx), try await ClientTimeline.events(id, email: profile.person.email, in: tx))
        }
        guard let (profile, notes, events) = loaded else { throw RequestRejected(status: 404, publicMessage: "error_client_not_found") }
        var extra = RequirePermission.pageContext(ctx.staff)
        extra.merge(ClientPageView.context(profile, notes: notes, events: events, permissions: ctx.staff.permissions, t: pages.strings(req, ctx))) { _, new in new }
        extra.merge(try await ClientPageView.riskFlags(id, permissions: ctx.staff.permissions, tenant: ctx.tenant.handle, tenantDB: services.tenantDB,
                                                       t: pages.strings(req, ctx))) { _, new in new }
        return extra
    }

    func clientPage(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        var extra = try await pageContext(req, ctx)
        if let done = req.uri.queryParameters.get("done") { extra["notice"] = t["clients_notice_\(done)"] ?? "" }
        return try pages.render("admin/client", title: "clients_title_client", request: req, context: ctx, extra: extra)
    }

    /// Runs a write on the client page; a refused input renders the page again with its field marked.
    func write(_ req: Request, _ ctx: StaffRequestContext, done: String, values: @escaping @Sendable ([String: String]) -> [String: String] = { _ in [:] },
               _ action: @Sendable ([String: String], UUID, ClientScope, TenantTransaction) async throws -> Void) async throws -> Response {
        // The permission first: a Support user's POST is a 403 before the form is even read.
        guard ctx.staff.permissions.contains(.clientsEdit) else { throw RequestRejected(status: 403, publicMessage: "error_forbidden") }
        let t = pages.strings(req, ctx)
        let id = try Self.clientID(ctx)
        let scope = Self.scope(ctx)
        let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
        do {
            try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                // Out of scope is a 404 before any input is judged, so a refusal says nothing about the client.
                guard try await scope.allows(id, in: tx) else { throw ClientError.notFound }
                try await action(form, id, scope, tx)
            }
            return Responses.seeOther("/admin/clients/\(id.uuidString.lowercased())?done=\(done)")
        } catch ClientError.notFound {
            throw RequestRejected(status: 404, publicMessage: "error_client_not_found")
        } catch let error as ClientError {
            var extra = try await pageContext(req, ctx)
            extra["problem"] = ["field": error.field ?? "", "message": t[error.publicMessage] ?? error.publicMessage]
            extra["formValues"] = values(form)
            return try pages.render("admin/client", title: "clients_title_client", request: req, context: ctx, extra: extra,
                                    status: HTTPResponse.Status(code: error.status))
        }
    }

    func addNote(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let (staff, actor, requestID) = (ctx.staff.user.id, ctx.staff.actor, ctx.requestID)
        return try await write(req, ctx, done: "note_added", values: { ["client_note": $0["client_note"] ?? ""] }) { form, id, scope, tx in
            try await ClientNotes.add(form["client_note"] ?? "", to: id, by: staff, actor: actor, scope: scope, requestID: requestID, in: tx)
        }
    }

    func editProfile(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let (actor, requestID, services, brand) = (ctx.staff.actor, ctx.requestID, services, ctx.tenant.config)
        return try await write(req, ctx, done: "profile_updated", values: { ["name": $0["name"] ?? "", "country": $0["country"] ?? ""] }) { form, id, scope, tx in
            let edit = try ClientProfile.Edit(name: form["name"] ?? "", country: form["country"] ?? "")
            // Only countries the brand's forms offer; the database accepts any two capitals.
            guard edit.country.isEmpty || Countries.all[edit.country] != nil else { throw ClientError.invalid(field: "country") }
            try await ClientProfile.update(id, with: edit, actor: actor, scope: scope, requestID: requestID, in: tx)
            try await services.screen(client: id, brand: brand, trigger: .profile, in: tx)
        }
    }
}
