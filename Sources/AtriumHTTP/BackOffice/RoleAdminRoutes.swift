import AtriumCore
import AtriumIdentity
import AtriumStorage
import Foundation
import Hummingbird

/// Back Office roles (`staff.manage`): a matrix of every role against every named permission
/// (with what each permission allows), and the editor of custom roles. Built-in roles are shown
/// read-only; a change to one is refused by the database (AP005) and shown as such.
struct RoleAdminRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }

    func register(on router: Router<BrandRequestContext>) {
        let group = router.staff("/admin/roles", .staffManage, services: services)
        group.get("") { req, ctx in try await matrix(req, ctx) }
        group.post("") { req, ctx in try await create(req, ctx) }
        group.get("/:role") { req, ctx in try await role(req, ctx) }
        group.post("/:role") { req, ctx in try await update(req, ctx) }
        group.post("/:role/delete") { req, ctx in try await delete(req, ctx) }
    }

    func render(_ template: String, _ title: String, _ req: Request, _ ctx: StaffRequestContext, _ extra: [String: Any],
                status: HTTPResponse.Status = .ok) throws -> Response {
        let staff = RequirePermission.pageContext(ctx.staff)
        return try pages.render(template, title: title, request: req, context: ctx, extra: staff.merging(extra) { _, new in new }, status: status)
    }

    /// The form field of a permission's checkbox (`perm_brand_manage`).
    static func field(_ permission: Permission) -> String { "perm_" + permission.rawValue.replacingOccurrences(of: ".", with: "_") }

    /// The permissions ticked in a form; a `perm_…` field naming no permission is refused on `permissions`.
    static func chosenPermissions(_ form: [String: String]) throws -> Set<Permission> {
        let byField = Dictionary(uniqueKeysWithValues: Permission.allCases.map { (field($0), $0) })
        var out = Set<Permission>()
        for (key, value) in form where key.hasPrefix("perm_") && value == "on" {
            guard let p = byField[key] else { throw StaffAdminError(field: "permissions", .unknownPermission, detail: String(key.dropFirst(5))) }
            out.insert(p)
        }
        return out
    }

    /// One row per permission: its name, what it allows, and a cell per role.
    func rows(_ roles: [RoleInfo], _ t: [String: String]) -> [[String: Any]] {
        Permission.allCases.map { p in
            ["permission": p.rawValue, "description": t["staff_perm_\(Self.field(p).dropFirst(5))"] ?? "",
             "cells": roles.map { ["held": $0.permissions.contains(p), "role": $0.name] as [String: Any] }] as [String: Any]
        }
    }

    func matrix(_ req: Request, _ ctx: StaffRequestContext, values: [String: Any] = [:], extra more: [String: Any] = [:],
                status: HTTPResponse.Status = .ok) async throws -> Response {
        let t = pages.strings(req, ctx)
        let roles = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await Roles.all(in: tx) }
        var extra: [String: Any] = [
            "roles": roles.map { ["id": $0.id.uuidString.lowercased(), "name": $0.name, "builtin": $0.builtin, "holders": $0.holders.count] as [String: Any] },
            "rows": rows(roles, t),
            "editor": editor(name: values["name"] as? String ?? "", description: values["description"] as? String ?? "",
                             chosen: values["permissions"] as? Set<Permission> ?? [], t),
        ]
        if let done = req.uri.queryParameters.get("done") { extra["notice"] = t["staff_notice_\(done)"] ?? "" }
        extra.merge(more) { _, new in new }
        return try render("admin/roles", "staff_title_roles", req, ctx, extra, status: status)
    }

    /// The checkboxes of the role form.
    func editor(name: String, description: String, chosen: Set<Permission>, _ t: [String: String]) -> [String: Any] {
        ["name": name, "description": description,
         "permissions": Permission.allCases.map { p in
             ["field": Self.field(p), "permission": p.rawValue, "checked": chosen.contains(p),
              "description": t["staff_perm_\(Self.field(p).dropFirst(5))"] ?? ""] as [String: Any]
         }]
    }

    func create(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        var values: [String: Any] = [:]
        do {
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            values = ["name": form["name"] ?? "", "description": form["description"] ?? "", "permissions": (try? Self.chosenPermissions(form)) ?? []]
            let permissions = try Self.chosenPermissions(form)
            let id = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                try await Roles.create(name: form["name"] ?? "", description: form["description"] ?? "", permissions: permissions,
                                       grantor: ctx.staff.permissions, actor: ctx.staff.actor, requestID: ctx.requestID, in: tx)
            }
            return Responses.seeOther("/admin/roles/\(id.uuidString.lowercased())?done=role_created")
        } catch let error as any UserFacingError {
            let r = StaffAdminView.refusal(error, t)
            return try await matrix(req, ctx, values: values, extra: r.extra, status: r.status)
        }
    }

    func roleID(_ ctx: StaffRequestContext) throws -> UUID {
        guard let id = UUID(uuidString: ctx.parameters.get("role") ?? "") else { throw StaffAdminError(field: "role", .notFound) }
        return id
    }

    func role(_ req: Request, _ ctx: StaffRequestContext, values: [String: Any]? = nil, extra more: [String: Any] = [:],
              status: HTTPResponse.Status = .ok) async throws -> Response {
        let t = pages.strings(req, ctx)
        let id = try roleID(ctx)
        guard let role = try await services.tenantDB.transaction(ctx.tenant.handle, { tx in try await Roles.role(id: id, in: tx) }) else {
            throw StaffAdminError(field: "role", .notFound)
        }
        var extra: [String: Any] = [
            "role": ["id": role.id.uuidString.lowercased(), "name": role.name, "description": role.description, "builtin": role.builtin,
                     "holders": role.holders, "hasHolders": !role.holders.isEmpty] as [String: Any],
            "editor": editor(name: values?["name"] as? String ?? role.name, description: values?["description"] as? String ?? role.description,
                             chosen: values?["permissions"] as? Set<Permission> ?? role.permissions, t),
        ]
        if let done = req.uri.queryParameters.get("done") { extra["notice"] = t["staff_notice_\(done)"] ?? "" }
        extra.merge(more) { _, new in new }
        return try render("admin/role", "staff_title_role", req, ctx, extra, status: status)
    }

    func update(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        var values: [String: Any]?
        do {
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            values = ["name": form["name"] ?? "", "description": form["description"] ?? "", "permissions": (try? Self.chosenPermissions(form)) ?? []]
            let id = try roleID(ctx)
            let permissions = try Self.chosenPermissions(form)
            try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                try await Roles.update(id: id, name: form["name"] ?? "", description: form["description"] ?? "", permissions: permissions,
                                       grantor: ctx.staff.permissions, actor: ctx.staff.actor, requestID: ctx.requestID, in: tx)
            }
            return Responses.seeOther("/admin/roles/\(id.uuidString.lowercased())?done=role_saved")
        } catch let error as StaffAdminError where error.reason == .notFound {
            throw error
        } catch let error as any UserFacingError {
            let r = StaffAdminView.refusal(error, t)
            return try await role(req, ctx, values: values, extra: r.extra, status: r.status)
        }
    }

    func delete(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        do {
            _ = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            let id = try roleID(ctx)
            try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                try await Roles.delete(id: id, actor: ctx.staff.actor, requestID: ctx.requestID, in: tx)
            }
            return Responses.seeOther("/admin/roles?done=role_deleted")
        } catch let error as StaffAdminError where error.reason == .notFound {
            throw error
        } catch let error as any UserFacingError {
            let r = StaffAdminView.refusal(error, t)
            return try await role(req, ctx, extra: r.extra, status: r.status)
        }
    }
}
