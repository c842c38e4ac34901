import AtriumCompliance
import AtriumCore
import AtriumIdentity
import AtriumKYC
import AtriumPayments
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird
import HTTPTypes
/// Back Office KYC queue: cases, audited document views and decisions (`kyc.review`).
struct ComplianceRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }

    func register(on router: Router<BrandRequestContext>) {
        // The queue only reads: one tenant transaction for the session and the page.
        router.staff("/admin/kyc", .kycReview, services: services, sharingTransaction: true).get { req, ctx in try await queue(req, ctx) }
        let compliance = router.staff("/admin/kyc", .kycReview, services: services)
        compliance.get("/:user") { req, ctx in try await reviewCase(req, ctx) }
        compliance.get("/:user/documents/:doc") { req, ctx in try await viewDocument(req, ctx) }
        compliance.post("/:user/decide") { req, ctx in try await decide(req, ctx) }
        compliance.post("/:user/hits/:hit") { req, ctx in try await decideHit(req, ctx) }
    }

    func staffContext(_ ctx: StaffRequestContext) -> [String: Any] {
        RequirePermission.pageContext(ctx.staff)
    }

    func queue(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        let entries = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await Onboarding.queue(in: tx) }
        var extra = staffContext(ctx)
        extra["entries"] = entries.map { e in
            ["id": e.user.uuidString.lowercased(), "email": e.email, "name": e.name, "country": e.country,
             "since": e.since.formatted(.iso8601), "reasons": e.reasons.map { t["kyc_reason_\($0)"] ?? $0 }] as [String: Any]
        }
        if let done = req.uri.queryParameters.get("done") { extra["notice"] = t["notice_kyc_decided_\(done)"] ?? "" }
        return try pages.render("admin/kyc-queue", title: "title_admin_kyc", request: req, context: ctx, extra: extra)
    }

    func userID(_ ctx: StaffRequestContext) throws -> UUID {
        guard let id = UUID(uuidString: ctx.parameters.get("user") ?? "") else { throw RequestRejected(status: 404, publicMessage: "error_client_not_found") }
        return id
    }

    func reviewCase(_ req: Request, _ ctx: StaffRequestContext, error: String? = nil, errorField: String? = nil,
                    status: HTTPResponse.Status = .ok) async throws -> Response {
        let t = pages.strings(req, ctx)
        let id = try userID(ctx)
        let found = try await services.tenantDB.transaction(ctx.tenant.handle) { tx -> (ClientProfile, [StoredDocument], [(at: Date, actor: String, outcome: String, reasons: [String], note: String)], ([ScreeningHit], AccountFreeze?))? in
            guard let p = try await Onboarding.profile(user: id, in: tx) else { return nil }
            return (p, try await Onboarding.documents(user: id, in: tx), try await Onboarding.history(user: id, in: tx),
                    try await Self.screeningFacts(client: id, in: tx))
        }
        guard let (p, docs, history, screening) = found else { throw RequestRejected(status: 404, publicMessage: "error_client_not_found") }
        let f = ISO8601DateFormatter()
        var extra = staffContext(ctx)
        extra.merge([
            "client": ["id": id.uuidString.lowercased(), "name": p.name, "email": p.email, "country": Countries.all[p.country] ?? p.country,
                       "dob": p.dateOfBirth ?? "—", "address": "\(p.addressLine), \(p.postalCode) \(p.city)",
                       "status": t["kyc_status_\(p.kycStatus)"] ?? p.kycStatus, "open": p.kycStatus == "submitted"] as [String: Any],
            "reasons": p.kycReasons.map { t["kyc_reason_\($0)"] ?? $0 },
            "documents": docs.map { ["id": $0.id.uuidString.lowercased(), "kind": t["document_\($0.kind)"] ?? $0.kind, "name": $0.fileName,
                                     "format": $0.format.uppercased(), "sha": String($0.sha256.prefix(16)), "issued": $0.issuedOn ?? "—",
                                     "duplicate": $0.duplicate, "at": f.string(from: $0.uploadedAt)] as [String: Any] },
            "history": history.map { ["at": f.string(from: $0.at), "actor": $0.actor, "outcome": $0.outcome,
                                      "reasons": $0.reasons.map { t["kyc_reason_\($0)"] ?? $0 }.joined(separator: ", "), "note": $0.note] },
        ]) { _, new in new }
        extra.merge(Self.screeningContext(screening, t: t)) { _, new in new }
        if let done = req.uri.queryParameters.get("hit") { extra["notice"] = t["screening_notice_\(done)"] ?? "" }
        if let error { extra["error"] = error }
        if let errorField { extra["errorField"] = errorField }
        return try pages.render("admin/kyc-case", title: "title_admin_kyc", request: req, context: ctx, extra: extra, status: status)
    }

    /// Decrypts a document for an authorized reviewer; every view is audited.
    func viewDocument(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let id = try userID(ctx)
        guard let doc = UUID(uuidString: ctx.parameters.get("doc") ?? "") else { throw RequestRejected(status: 404, publicMessage: "error_document_not_found") }
        guard let sealed = try await Onboarding.openDocument(id: doc, user: id, actor: ctx.staff.actor,
                                                             vault: DocumentVault(key: services.keys.documents(tenant: ctx.tenant.handle.id)),
                                                             requestID: ctx.requestID, tenant: ctx.tenant.handle, tenantDB: services.tenantDB,
                                                             logger: services.logger) else {
            throw RequestRejected(status: 404, publicMessage: "error_document_not_found")
        }
        let bytes = sealed.bytes
        var headers = HTTPFields()
        headers[.contentType] = DocumentFormat(rawValue: sealed.format)?.mimeType ?? "application/octet-stream"
        headers[.contentDisposition] = "inline; filename=\"\(sealed.fileName)\""
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[.contentSecurityPolicy] = "default-src 'none'; img-src 'self'; plugin-types application/pdf; sandbox"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func decide(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        let id = try userID(ctx)
        do {
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            guard let outcome = Onboarding.StaffOutcome(rawValue: form["outcome"] ?? "") else {
                throw RequestRejected(status: 400, publicMessage: "error_kyc_outcome")
            }
            let note = (form["note"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard note.count <= 500 else { throw RequestRejected(status: 400, publicMessage: "\(t["field_reason"] ?? "reason"): \((t["error_too_long"] ?? "").replacingOccurrences(of: "{{max}}", with: "500"))") }
            if outcome != .approved, note.isEmpty { throw RequestRejected(status: 400, publicMessage: "\(t["field_reason"] ?? "reason"): \(t["error_required_field"] ?? "")") }
            let decided = try await services.tenantDB.transaction(ctx.tenant.handle) { tx -> Bool in
                guard let p = try await Onboarding.profile(user: id, in: tx) else { return false }
                let docs = try await Onboarding.documents(user: id, in: tx)
                let seen = ["reasons": p.kycReasons.joined(separator: ","), "documents": docs.map { "\($0.kind):\($0.sha256.prefix(16))" }.joined(separator: ","),
                            "profile": "\(p.name) / \(p.dateOfBirth ?? "-") / \(p.country)"]
                return try await Onboarding.decide(user: id, staff: ctx.staff.user.id, outcome: outcome, note: note, seen: seen, requestID: ctx.requestID, in: tx)
            }
            guard decided else { throw RequestRejected(status: 409, publicMessage: "error_kyc_not_open") }
            return Responses.seeOther("/admin/kyc?done=\(outcome.rawValue)")
        } catch let error as any UserFacingError {
            return try await reviewCase(req, ctx, error: t[error.publicMessage] ?? error.publicMessage, status: HTTPResponse.Status(code: error.status))
        }
    }
}
