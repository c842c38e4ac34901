import AtriumCore
import AtriumIdentity
import AtriumTenancy
import Foundation
import Hummingbird

/// Brand credentials (`brand.manage`): PSP and platform secrets set in the Back Office, sealed
/// under the brand's key. The page never shows a value, only whether it is set and who changed it last.
struct CredentialRoutes: Sendable {
    let services: AppServices
    var shared: SettingsPages { SettingsPages(services: services) }

    func register(on router: Router<BrandRequestContext>) {
        let group = router.staff("/admin/settings/credentials", .brandManage, services: services)
        group.get("") { req, ctx in try await list(req, ctx) }
        group.post("") { req, ctx in try await set(req, ctx) }
    }

    func list(_ req: Request, _ ctx: StaffRequestContext, extra more: [String: Any] = [:], status: HTTPResponse.Status = .ok) async throws -> Response {
        let t = shared.pages.strings(req, ctx)
        let slug = ctx.tenant.handle.slug
        let config = try await services.brandSettings.current(slug: slug)
        let changes = try await services.brandSettings.credentialChanges(slug: slug)
        var extra: [String: Any] = [
            "slots": config.credentialSlots.map { slot in
                var state: String
                if slot.isSealed {
                    state = t["settings_credential_sealed"] ?? "Set"
                    if let c = changes[slot.key] {
                        state += " · " + (t["settings_credential_changed_by"] ?? "last changed by {{who}} at {{at}}")
                            .replacingOccurrences(of: "{{who}}", with: c.who).replacingOccurrences(of: "{{at}}", with: SettingsPages.timestamp(c.at))
                    }
                } else if let variable = slot.environmentVariable {
                    state = (t["settings_credential_env"] ?? "From the environment variable {{name}}").replacingOccurrences(of: "{{name}}", with: variable)
                } else {
                    state = t["settings_credential_unset"] ?? "Not set"
                }
                return ["key": slot.key, "owner": t["settings_owner_\(slot.owner.rawValue)"] ?? slot.owner.rawValue, "id": slot.id,
                        "field": slot.field, "path": slot.path, "state": state, "isSet": slot.reference != nil] as [String: Any]
            },
            "fourEyes": config.securitySettings.requiresFourEyes,
        ]
        extra.merge(shared.notice(req, t)) { _, new in new }
        extra.merge(more) { _, new in new }
        return try shared.render("admin/settings-credentials", "settings_title_credentials", req, ctx, extra, status: status)
    }

    func set(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = shared.pages.strings(req, ctx)
        do {
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            let outcome = try await services.brandSettings.setCredential(slug: ctx.tenant.handle.slug, key: form["credential"] ?? "",
                                                                         value: form["value"] ?? "", actor: ctx.staff.actor, requestID: ctx.requestID)
            return shared.after(outcome, back: "/admin/settings/credentials")
        } catch let error as any UserFacingError {
            let r = shared.refusal(error, t)
            return try await list(req, ctx, extra: r.extra, status: r.status)
        }
    }
}
