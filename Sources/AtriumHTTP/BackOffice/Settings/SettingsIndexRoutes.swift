import AtriumCore
import AtriumIdentity
import Foundation
import Hummingbird

/// The brand settings area (`brand.manage`): the index linking each editor, and the editors'
/// routes. Versions, credentials and approvals are the `settings` pages linked from the index.
struct SettingsIndexRoutes: Sendable {
    let services: AppServices

    /// The editors in index order: path under `/admin/settings` and string key stem.
    static let editors = ["branding", "kyc", "psps", "platforms", "withdrawals", "partners", "compliance"]
    /// Settings pages served by the versions/credentials/approvals routes.
    static let others = ["versions", "credentials", "approvals"]

    func register(on router: Router<BrandRequestContext>) {
        let group = router.staff("/admin/settings", .brandManage, services: services)
        let editor = SettingsEditor(services: services)
        group.get("") { req, ctx in try index(req, ctx, editor) }
        BrandingEditor(editor: editor).register(on: group)
        KYCRulesEditor(editor: editor).register(on: group)
        PSPEditor(editor: editor).register(on: group)
        PlatformEditor(editor: editor).register(on: group)
        WithdrawalRulesEditor(editor: editor).register(on: group)
        PartnerDefaultsEditor(editor: editor).register(on: group)
        ComplianceEditor(editor: editor).register(on: group)
        BrandAssetRoutes(services: services).register(on: router)
    }

    func index(_ req: Request, _ ctx: StaffRequestContext, _ editor: SettingsEditor) throws -> Response {
        let t = editor.pages.strings(req, ctx)
        func link(_ key: String) -> [String: Any] {
            ["href": "\(SettingsEditor.base)/\(key)", "id": key, "title": t["editors_\(key)_title"] ?? key, "intro": t["editors_\(key)_intro"] ?? ""]
        }
        return try editor.render("admin/settings-index", "editors_index_title", req, ctx,
                                 ["editors": Self.editors.map(link), "others": Self.others.map(link)])
    }
}
