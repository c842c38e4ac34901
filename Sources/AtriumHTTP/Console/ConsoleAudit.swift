import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird

/// `/audit`: the operators' own audit trail (`platform.audit_log`), newest first, 50 a page, with
/// the hash chain's verification like the Back Office audit page.
struct ConsoleAudit: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }
    static let size = 50

    func page(_ req: Request, _ ctx: OperatorRequestContext) async throws -> Response {
        let before = req.uri.queryParameters.get("before").flatMap { Int64($0) }
        let logger = services.logger
        let (rows, broken) = try await services.database.platform { conn in
            (try await AuditLog.platformPage(before: before, limit: Self.size, on: conn, logger: logger),
             try await AuditLog.verifyPlatform(on: conn, logger: logger))
        }
        let formatter = ISO8601DateFormatter()
        var extra: [String: Any] = [
            "operator": ["email": ctx.operatorUser.email], "user": ["email": ctx.operatorUser.email, "name": ctx.operatorUser.email],
            "entries": rows.map { ["id": $0.seq, "at": formatter.string(from: $0.at), "actor": $0.actor, "action": $0.action,
                                   "subject": $0.subject, "requestId": $0.requestID] as [String: Any] },
            "chainOK": broken == nil, "brokenAt": broken.map { "\($0)" } ?? "",
        ]
        if rows.count == Self.size, let last = rows.last { extra["next"] = "?before=\(last.seq)" }
        return try pages.render("ops/audit", title: "console_audit_title", request: req, context: ctx, extra: extra)
    }
}
