import AtriumCore
import AtriumTenancy
import Foundation
import Hummingbird

/// Rendering and refusals shared by the brand settings screens (versions, credentials, approvals).
struct SettingsPages: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }

    func render(_ template: String, _ title: String, _ req: Request, _ ctx: StaffRequestContext, _ extra: [String: Any],
                status: HTTPResponse.Status = .ok) throws -> Response {
        let staff = RequirePermission.pageContext(ctx.staff)
        return try pages.render(template, title: title, request: req, context: ctx, extra: staff.merging(extra) { _, new in new }, status: status)
    }

    /// The message, the fields (`data-field`) and the HTTP status of a refused request. Validation
    /// problems from `ProvisioningError.invalidConfig` become one entry per field.
    func refusal(_ error: any UserFacingError, _ t: [String: String]) -> (extra: [String: Any], status: HTTPResponse.Status) {
        var problems: [[String: String]] = []
        if case .invalidConfig(let e)? = error as? ProvisioningError {
            problems = e.problems.map { ["field": $0.path, "reason": $0.expected] }
        }
        if let input = error as? InputError { problems = [["field": input.field, "reason": input.reason]] }
        let message = problems.isEmpty ? (t[error.publicMessage] ?? error.publicMessage) : (t["settings_error_fields"] ?? "Please correct these fields.")
        return (["error": message, "problems": problems, "hasProblems": !problems.isEmpty], HTTPResponse.Status(code: error.status))
    }

    /// Where a save went: the page with a notice, or the approvals queue when four-eyes holds it.
    func after(_ outcome: BrandSettings.Outcome, back: String) -> Response {
        switch outcome {
        case .saved: Responses.seeOther(back + "?done=saved")
        case .unchanged: Responses.seeOther(back + "?done=unchanged")
        case .pendingApproval: Responses.seeOther("/admin/settings/approvals?done=pending")
        }
    }

    /// The notice named by `?done=` after a redirect.
    func notice(_ req: Request, _ t: [String: String]) -> [String: Any] {
        guard let done = req.uri.queryParameters.get("done") else { return [:] }
        return ["notice": t["settings_notice_\(done)"] ?? ""]
    }

    static func timestamp(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return f.string(from: date)
    }

    /// Rows of a diff for the templates: secrets say only changed.
    static func diffRows(_ diff: ConfigDiff, _ t: [String: String]) -> [[String: Any]] {
        diff.changes.map { c in
            ["path": c.path, "secret": c.isSecret,
             "old": c.isSecret ? (c.wasSet ? t["settings_secret_set"] ?? "set" : t["settings_secret_unset"] ?? "not set") : (c.old ?? "—"),
             "new": c.isSecret ? (c.isSet ? t["settings_secret_changed"] ?? "changed" : t["settings_secret_removed"] ?? "removed") : (c.new ?? "—")] as [String: Any]
        }
    }
}

/// The brand settings screens of this lane: versions, credentials, four-eyes approvals.
enum BrandSettingsScreens {
    static func register(on router: Router<BrandRequestContext>, services: AppServices) {
        SettingsVersionRoutes(services: services).register(on: router)
        CredentialRoutes(services: services).register(on: router)
        SettingsApprovalRoutes(services: services).register(on: router)
    }
}
