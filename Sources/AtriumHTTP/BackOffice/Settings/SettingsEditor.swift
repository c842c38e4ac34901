import AtriumBrandConfig
import AtriumCore
import AtriumTenancy
import Foundation
import Hummingbird

/// Problems found in a settings form before its change reaches the brand's configuration; thrown
/// from inside a `BrandSettings.update` change so that nothing is written.
struct SettingsProblems: Error {
    var problems: [ConfigValidationError.Problem]
}

/// What every Back Office settings editor shares: rendering with the staff header, saving through
/// `BrandSettings.update` and turning validation problems into a 422 naming each field.
struct SettingsEditor: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }

    /// The settings pages of the other lanes and of this one, for the index and each page's links.
    static let base = "/admin/settings"

    func render(_ template: String, _ title: String, _ req: Request, _ ctx: StaffRequestContext, _ extra: [String: Any],
                status: HTTPResponse.Status = .ok) throws -> Response {
        var page = RequirePermission.pageContext(ctx.staff)
        let t = pages.strings(req, ctx)
        if let done = req.uri.queryParameters.get("done") {
            let version = req.uri.queryParameters.get("version").flatMap(Int.init)
            let text = t["editors_notice_\(done)"] ?? t["editors_notice_saved"] ?? ""
            page["notice"] = text.replacingOccurrences(of: "{{version}}", with: version.map(String.init) ?? "")
        }
        page.merge(extra) { _, new in new }
        return try pages.render(template, title: title, request: req, context: ctx, extra: page, status: status)
    }

    /// The brand's configuration as stored now (not the request's possibly older copy).
    func current(_ ctx: StaffRequestContext) async throws -> TenantConfig {
        try await services.brandSettings.current(slug: ctx.tenant.handle.slug)
    }

    /// Applies `change` as editor `section`. Answers a redirect to `page` with a notice, or the
    /// problems (each naming its config path) when the change is refused; nothing is written then.
    func save(section: String, page: String, _ ctx: StaffRequestContext,
              _ change: (inout TenantConfig) throws -> Void) async throws -> Result<Response, SettingsProblems> {
        let outcome: BrandSettings.Outcome
        do {
            outcome = try await services.brandSettings.update(slug: ctx.tenant.handle.slug, section: section, actor: ctx.staff.actor,
                                                              requestID: ctx.requestID, change)
        } catch let e as SettingsProblems {
            return .failure(e)
        } catch ProvisioningError.invalidConfig(let e) {
            return .failure(SettingsProblems(problems: e.problems))
        } catch let e as ConfigValidationError {
            return .failure(SettingsProblems(problems: e.problems))
        }
        switch outcome {
        case .saved(let version): return .success(Responses.seeOther("\(page)?done=saved&version=\(version)"))
        case .unchanged: return .success(Responses.seeOther("\(page)?done=unchanged"))
        // Four-eyes holds the change for a second approver (`/admin/settings/approvals`).
        case .pendingApproval: return .success(Responses.seeOther("\(page)?done=pending"))
        }
    }

    /// The page context of refused problems.
    static func problemContext(_ refused: SettingsProblems, t: [String: String]) -> [String: Any] {
        ["error": t["editors_error_fields"] ?? "Please correct these fields.", "hasProblems": true,
         "problems": refused.problems.map { ["field": $0.path, "reason": $0.expected] }]
    }
}

extension HTTPResponse.Status {
    /// A settings form that could not be saved.
    static let settingsRefused = HTTPResponse.Status.unprocessableContent
}
