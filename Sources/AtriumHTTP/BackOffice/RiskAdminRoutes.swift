import AtriumCompliance
import AtriumCore
import AtriumIdentity
import AtriumStorage
import Foundation
import Hummingbird
import HTTPTypes

/// Back Office compliance screens of the risk lane: the trading risk queue (`aml.review`) and the
/// one-screen investigation of a withdrawal with its case file export (`aml.review` or `kyc.review`).
struct RiskAdminRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }

    func register(on router: Router<BrandRequestContext>) {
        let risk = router.staff("/admin/compliance/risk", .amlReview, services: services)
        risk.get { req, ctx in try await queue(req, ctx) }
        risk.post("/:flag/review") { req, ctx in try await review(req, ctx) }
        // Either permission opens the investigation, so the group checks it itself.
        let investigate = router.staff("/admin/compliance/investigate", nil, services: services)
        investigate.get { req, ctx in try await investigation(req, ctx) }
        investigate.get("/export") { req, ctx in try await export(req, ctx) }
    }

    func queue(_ req: Request, _ ctx: StaffRequestContext, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let t = pages.strings(req, ctx)
        let rows = try await services.tenantDB.transaction(ctx.tenant.handle) { tx -> [(RiskFlag, String)] in
            let flags = try await RiskFlags.queue(in: tx)
            let emails = try await Self.emails(Array(Set(flags.map(\.client))), in: tx)
            return flags.map { ($0, emails[$0.client] ?? "") }
        }
        var extra = RequirePermission.pageContext(ctx.staff)
        extra["flags"] = rows.map { flag, email in RiskFlagView.row(flag, email: email, t: t, csrf: true) }
        if let done = req.uri.queryParameters.get("done"), done == "reviewed" { extra["notice"] = t["risk_notice_reviewed"] ?? "" }
        if let error { extra["error"] = error }
        return try pages.render("admin/risk-queue", title: "risk_title_queue", request: req, context: ctx, extra: extra, status: status)
    }

    func review(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        do {
            _ = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            guard let id = UUID(uuidString: ctx.parameters.get("flag") ?? "") else { throw RequestRejected(status: 404, publicMessage: "risk_error_flag_not_found") }
            let done = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                try await RiskFlags.markReviewed(id, actor: ctx.staff.actor, requestID: ctx.requestID, in: tx)
            }
            guard done else { throw RequestRejected(status: 404, publicMessage: "risk_error_flag_not_found") }
            return Responses.seeOther("/admin/compliance/risk?done=reviewed")
        } catch let error as any UserFacingError {
            return try await queue(req, ctx, error: t[error.publicMessage] ?? error.publicMessage, status: HTTPResponse.Status(code: error.status))
        }
    }

    func requireInvestigator(_ ctx: StaffRequestContext) throws {
        let p = ctx.staff.permissions
        guard p.contains(.amlReview) || p.contains(.kycReview) else { throw RequestRejected(status: 403, publicMessage: "error_forbidden") }
    }

    /// The withdrawal id of the query; nil when none was given, a 400 naming the field when malformed.
    func withdrawalID(_ req: Request) throws -> UUID? {
        guard let raw = req.uri.queryParameters.get("withdrawal").map({ String($0) }), !raw.isEmpty else { return nil }
        guard let id = UUID(uuidString: raw.trimmingCharacters(in: CharacterSet.whitespaces)) else { throw BadWithdrawalID() }
        return id
    }

    func loadFacts(_ id: UUID, _ ctx: StaffRequestContext) async throws -> InvestigationFacts {
        let facts = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            try await Investigation.facts(withdrawal: id, brand: ctx.tenant.handle.slug, in: tx)
        }
        guard let facts else { throw RequestRejected(status: 404, publicMessage: "risk_error_withdrawal_not_found") }
        return facts
    }

    func investigation(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        try requireInvestigator(ctx)
        let t = pages.strings(req, ctx)
        var extra = RequirePermission.pageContext(ctx.staff)
        do {
            if let id = try withdrawalID(req) {
                let facts = try await loadFacts(id, ctx)
                extra.merge(InvestigationView.context(facts, t: t)) { _, new in new }
            }
            return try pages.render("admin/investigate", title: "risk_title_investigate", request: req, context: ctx, extra: extra)
        } catch is BadWithdrawalID {
            extra["problem"] = ["field": "withdrawal", "message": t["risk_error_withdrawal_id"] ?? ""]
            extra["query"] = req.uri.queryParameters.get("withdrawal").map { String($0) } ?? ""
            return try pages.render("admin/investigate", title: "risk_title_investigate", request: req, context: ctx, extra: extra, status: .badRequest)
        }
    }

    /// The case file ZIP. The brand's chain head is anchored first, so the segment ends at an anchor.
    func export(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        try requireInvestigator(ctx)
        let given: UUID?
        do { given = try withdrawalID(req) } catch { throw RequestRejected(status: 400, publicMessage: "risk_error_withdrawal_id") }
        guard let id = given else { throw RequestRejected(status: 400, publicMessage: "risk_error_withdrawal_id") }
        let facts = try await loadFacts(id, ctx)
        let tenant = ctx.tenant.handle
        guard let anchor = try await AuditAnchors.anchor(tenant, tenantDB: services.tenantDB) else {
            throw RequestRejected(status: 409, publicMessage: "risk_error_no_audit")
        }
        let from = facts.audit.map(\.seq).min() ?? anchor.seq
        let rows = try await services.tenantDB.transaction(tenant) { tx in try await Investigation.segment(from: from, to: anchor.seq, in: tx) }
        let tenantID = tenant.id.uuidString.lowercased()
        let zip = try CaseFile.build(facts: facts, segment: CaseFileSegment(tenantID: tenantID, tenant: tenant.slug, rows: rows),
                                     anchor: CaseFileAnchor(tenantID: tenantID, seq: anchor.seq, hash: Token.hex(anchor.hash),
                                                            at: anchor.at.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))))
        try await services.tenantDB.transaction(tenant) { tx in
            try await AuditLog.append(AuditEntry(actor: ctx.staff.actor, action: "compliance.case_exported", subject: "payment:\(facts.withdrawal.reference)",
                                                     after: CanonicalJSON.object(["anchor_seq": anchor.seq, "from_seq": from]), requestID: ctx.requestID), in: tx)
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/zip"
        headers[.contentDisposition] = "attachment; filename=\"case-\(facts.withdrawal.reference).zip\""
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: zip)))
    }

    static func emails(_ ids: [UUID], in tx: TenantTransaction) async throws -> [UUID: String] {
        guard !ids.isEmpty else { return [:] }
        var out: [UUID: String] = [:]
        for try await (id, email) in try await tx.query("SELECT id, email FROM users WHERE id = ANY(\(ids))").decode((UUID, String).self) { out[id] = email }
        return out
    }
}

/// The `withdrawal` query parameter is not a withdrawal id.
struct BadWithdrawalID: Error {}
