import AtriumBrandConfig
import AtriumCompliance
import AtriumCore
import AtriumIdentity
import AtriumStorage
import Foundation
import Hummingbird

/// Back Office AML cases (`aml.review`): the list (open first, filtered by status and rule), a case
/// with its client, alerts and facts, append-only notes, the assignee, and the decisions dismiss,
/// escalate and freeze. A case id of another brand is a 404 (the tenant transaction cannot see it).
struct AMLCaseRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }
    static let statuses = ["open", "escalated", "dismissed", "frozen"]

    func register(on router: Router<BrandRequestContext>) {
        let group = router.staff("/admin/aml", .amlReview, services: services)
        group.get("") { req, ctx in try await list(req, ctx) }
        group.get("/:case") { req, ctx in try await page(req, ctx) }
        group.post("/:case/notes") { req, ctx in try await act(req, ctx, done: "note_added") { id, form, tx in
            try await AMLCases.addNote(id, body: form["body"] ?? "", actor: ctx.staff.actor, requestID: ctx.requestID, in: tx)
        } }
        group.post("/:case/assign") { req, ctx in try await act(req, ctx, done: "assigned") { id, form, tx in
            let raw = (form["assignee"] ?? "").trimmingCharacters(in: .whitespaces)
            guard raw.isEmpty || UUID(uuidString: raw) != nil else { throw InputError(field: "assignee", reason: "an active staff member") }
            try await AMLCases.assign(id, to: UUID(uuidString: raw), actor: ctx.staff.actor, requestID: ctx.requestID, in: tx)
        } }
        group.post("/:case/decide") { req, ctx in try await act(req, ctx, done: "decided") { id, form, tx in
            guard let decision = AMLDecision(rawValue: form["decision"] ?? "") else {
                throw InputError(field: "decision", reason: "dismiss, escalate or freeze")
            }
            try await AMLCases.decide(id, decision, note: form["note"] ?? "", actor: ctx.staff.actor, requestID: ctx.requestID, in: tx)
        } }
    }

    func render(_ template: String, _ title: String, _ req: Request, _ ctx: StaffRequestContext, _ extra: [String: Any],
                status: HTTPResponse.Status = .ok) throws -> Response {
        let staff = RequirePermission.pageContext(ctx.staff)
        return try pages.render(template, title: title, request: req, context: ctx, extra: staff.merging(extra) { _, new in new }, status: status)
    }

    func list(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        let q = req.uri.queryParameters
        let status = q.get("status").flatMap { Self.statuses.contains($0) ? $0 : nil }
        let rule = q.get("rule").flatMap { AMLRuleCatalog.spec($0) != nil ? $0 : nil }
        let cases = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await AMLCases.list(status: status, rule: rule, in: tx) }
        let extra: [String: Any] = [
            "cases": cases.map { Self.row($0, t) },
            "statuses": Self.statuses.map { ["value": $0, "label": t["aml_status_\($0)"] ?? $0, "selected": $0 == status] as [String: Any] },
            "rules": AMLRuleCatalog.all.map { ["value": $0.id, "label": t["aml_rule_\($0.id)"] ?? $0.id, "selected": $0.id == rule] as [String: Any] },
        ]
        return try render("admin/aml-cases", "aml_title_list", req, ctx, extra)
    }

    /// One row of the cases list.
    static func row(_ c: AMLCaseSummary, _ t: [String: String]) -> [String: Any] {
        let client: String = c.clientName.isEmpty ? c.clientEmail : c.clientName
        let rules: String = c.rules.map { t["aml_rule_\($0)"] ?? $0 }.joined(separator: ", ")
        var row: [String: Any] = ["id": c.id.uuidString.lowercased(), "client": client, "email": c.clientEmail, "status": c.status]
        row["statusLabel"] = t["aml_status_\(c.status)"] ?? c.status
        row["rules"] = rules
        row["alerts"] = c.alerts
        row["assignee"] = c.assignee ?? "—"
        row["opened"] = c.openedAt.formatted(.iso8601)
        return row
    }

    func caseID(_ ctx: StaffRequestContext) throws -> UUID {
        guard let id = UUID(uuidString: ctx.parameters.get("case") ?? "") else { throw HTTPError(.notFound) }
        return id
    }

    func page(_ req: Request, _ ctx: StaffRequestContext, extra more: [String: Any] = [:], status: HTTPResponse.Status = .ok) async throws -> Response {
        let t = pages.strings(req, ctx)
        let id = try caseID(ctx)
        let loaded = try await services.tenantDB.transaction(ctx.tenant.handle) { tx -> (AMLCaseDetail, [(id: UUID, name: String)])? in
            guard let detail = try await AMLCases.detail(id, in: tx) else { return nil }
            return (detail, try await AMLCases.assignableStaff(in: tx))
        }
        guard let (detail, staff) = loaded else { throw HTTPError(.notFound) }
        let s = detail.summary
        var header: [String: Any] = ["id": s.id.uuidString.lowercased(), "status": s.status, "client": s.clientName, "email": s.clientEmail]
        header["statusLabel"] = t["aml_status_\(s.status)"] ?? s.status
        header["clientID"] = s.client.uuidString.lowercased()
        header["opened"] = s.openedAt.formatted(.iso8601)
        header["assignee"] = s.assignee ?? "—"
        header["decidedBy"] = detail.decidedBy ?? ""
        header["decisionNote"] = detail.decisionNote ?? ""
        header["open"] = ["open", "escalated"].contains(s.status)
        header["frozen"] = detail.frozen
        var extra: [String: Any] = [
            "case": header,
            "alerts": detail.alerts.map { a in
                ["rule": a.rule, "ruleLabel": t["aml_rule_\(a.rule)"] ?? a.rule, "at": a.createdAt.formatted(.iso8601),
                 "facts": Self.factRows(a.facts)] as [String: Any]
            },
            "notes": detail.notes.map { ["author": $0.author, "body": $0.body, "at": $0.createdAt.formatted(.iso8601)] },
            "assignable": staff.map { ["id": $0.id.uuidString.lowercased(), "name": $0.name, "selected": $0.id == detail.assigneeID] as [String: Any] },
        ]
        if let done = req.uri.queryParameters.get("done") { extra["notice"] = t["aml_notice_\(done)"] ?? "" }
        extra.merge(more) { _, new in new }
        return try render("admin/aml-case", "aml_title_case", req, ctx, extra, status: status)
    }

    /// The facts of an alert as name/value rows, keys sorted (the stored JSON is canonical).
    static func factRows(_ json: String) -> [[String: String]] {
        guard let object = try? JSONDecoder().decode([String: AMLFact].self, from: Data(json.utf8)) else { return [] }
        return object.keys.sorted().map { key in
            let value: String = switch object[key] {
            case .int(let i): String(i)
            case .text(let s): s
            case .list(let l): l.joined(separator: ", ")
            case nil: ""
            }
            return ["name": key, "value": value]
        }
    }

    /// Reads the form, runs the change in one transaction, and redirects; a refused form re-renders the case naming the field.
    func act(_ req: Request, _ ctx: StaffRequestContext, done: String,
             _ change: @escaping @Sendable (UUID, [String: String], TenantTransaction) async throws -> Void) async throws -> Response {
        let t = pages.strings(req, ctx)
        let id = try caseID(ctx)
        do {
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await change(id, form, tx) }
            return Responses.seeOther("/admin/aml/\(id.uuidString.lowercased())?done=\(done)")
        } catch is AMLCaseNotFound {
            throw HTTPError(.notFound)
        } catch let error as InputError {
            return try await page(req, ctx, extra: ["error": t["aml_error_\(error.field)"] ?? error.reason, "errorField": error.field],
                                  status: HTTPResponse.Status(code: error.status))
        }
    }
}
