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

/// Trader's Room profile and KYC (documents, submission, status).
struct KYCRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }
    static let maxUpload = 10 * 1024 * 1024 + 64 * 1024

    func register(on router: Router<BrandRequestContext>) {
        let traders = router.traders(services)
        traders.get("/profile") { req, ctx in try await profile(req, ctx) }
        traders.post("/profile") { req, ctx in try await saveProfile(req, ctx) }
        traders.get("/kyc") { req, ctx in try await kyc(req, ctx) }
        traders.post("/kyc/documents") { req, ctx in try await upload(req, ctx) }
        traders.post("/kyc/submit") { req, ctx in try await submit(req, ctx) }
    }

    // MARK: profile

    func profileContext(_ p: ClientProfile, form: [String: String]? = nil) -> [String: Any] {
        ["user": ["name": p.name, "email": p.email],
         "values": form ?? ["name": p.name, "date_of_birth": p.dateOfBirth ?? "", "address_line": p.addressLine, "city": p.city, "postal_code": p.postalCode],
         "country": Countries.all[p.country] ?? p.country]
    }

    func profile(_ req: Request, _ ctx: TraderRequestContext) async throws -> Response {
        let p = ctx.trader.profile
        return try pages.render("trader/profile", title: "title_profile", request: req, context: ctx, extra: profileContext(p))
    }

    /// A real, past calendar date `YYYY-MM-DD`, or a 400 naming the field.
    static func date(_ text: String, field: String, t: [String: String]) throws -> String {
        guard KYCEngine.parseDate(text) != nil, text <= ISO8601DateFormatter.string(from: Date(), timeZone: .gmt, formatOptions: [.withFullDate]) else {
            throw RequestRejected(status: 400, publicMessage: "\(t[field] ?? field): \(t["error_invalid_date"] ?? "")")
        }
        return text
    }

    func saveProfile(_ req: Request, _ ctx: TraderRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        var form: [String: String] = [:]
        do {
            form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            let name = try Forms.required(form, "name", max: 200, strings: t)
            let dob = try Self.date(try Forms.required(form, "date_of_birth", max: 10, strings: t), field: "field_date_of_birth", t: t)
            let address = try Forms.required(form, "address_line", max: 200, strings: t)
            let city = try Forms.required(form, "city", max: 100, strings: t)
            let postal = try Forms.required(form, "postal_code", max: 20, strings: t)
            let backToReview = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                let changed = try await Onboarding.updateProfile(user: ctx.trader.user.id, name: name, dateOfBirth: dob, addressLine: address, city: city,
                                                                 postalCode: postal, requestID: ctx.requestID, in: tx)
                try await services.screen(client: ctx.trader.user.id, brand: ctx.tenant.config, trigger: .profile, in: tx)
                return changed
            }
            return Responses.seeOther(backToReview ? "/kyc?changed=1" : "/profile?saved=1")
        } catch {
            let p = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in try await Onboarding.profile(user: ctx.trader.user.id, in: tx) }
            guard let p else { throw error }
            return try pages.rejected(error, template: "trader/profile", title: "title_profile", request: req, context: ctx, extra: profileContext(p, form: form))
        }
    }

    // MARK: KYC

    func kycContext(_ tenant: TenantRecord, user: SessionUser, t: [String: String]) async throws -> [String: Any] {
        let brand = tenant.config
        let deposited = try await depositedMinor(tenant: tenant, user: user.id)
        let (p, docs) = try await services.tenantDB.transaction(tenant.handle) { tx in
            (try await Onboarding.profile(user: user.id, in: tx), try await Onboarding.documents(user: user.id, in: tx))
        }
        guard let p else { return [:] }
        let required = KYCEngine.requiredDocuments(country: p.country, depositedMinor: deposited, rules: brand?.kyc)
        let have = Set(docs.map(\.kind))
        return [
            "user": ["name": user.name, "email": user.email],
            "status": p.kycStatus, "statusLabel": t["kyc_status_\(p.kycStatus)"] ?? p.kycStatus,
            "note": p.kycNote.isEmpty ? false as Any : p.kycNote as Any, "profileComplete": p.dateOfBirth != nil && !p.addressLine.isEmpty,
            "required": required.map { ["kind": $0, "label": t["document_\($0)"] ?? $0, "done": have.contains($0)] as [String: Any] },
            "kinds": DocumentKind.allCases.map { ["kind": $0.rawValue, "label": t["document_\($0.rawValue)"] ?? $0.rawValue] },
            "documents": docs.map { ["kind": t["document_\($0.kind)"] ?? $0.kind, "name": $0.fileName, "format": $0.format.uppercased(),
                                     "size": "\(($0.byteCount + 1023) / 1024) KB", "at": $0.uploadedAt.formatted(.iso8601)] },
            "canSubmit": ["not_started", "more_documents", "rejected"].contains(p.kycStatus),
        ]
    }

    func depositedMinor(tenant: TenantRecord, user: UUID) async throws -> Int64 {
        guard let currency = tenant.config?.kyc?.proofOfFundsThreshold?.currency else { return 0 }
        return try await services.tenantDB.transaction(tenant.handle) { tx in
            try await tx.query("""
                SELECT coalesce(sum(coalesce(settled_amount, amount)), 0)::bigint FROM payments
                WHERE user_id = \(user) AND kind = 'deposit' AND status = 'succeeded' AND currency = \(currency)
                """).collect().first?.decode(Int64.self) ?? 0
        }
    }

    func kyc(_ req: Request, _ ctx: TraderRequestContext, error: (any Error)? = nil, notice: String? = nil) async throws -> Response {
        let t = pages.strings(req, ctx)
        var extra = try await kycContext(ctx.tenant, user: ctx.trader.user, t: t)
        if let notice { extra["notice"] = notice }
        if req.uri.queryParameters.get("changed") != nil { extra["notice"] = t["notice_kyc_back_to_review"] ?? "" }
        if let error {
            return try pages.rejected(error, template: "trader/kyc", title: "title_kyc", request: req, context: ctx, extra: extra)
        }
        return try pages.render("trader/kyc", title: "title_kyc", request: req, context: ctx, extra: extra)
    }

    /// One document per request (multipart): checked by content, size and pixels/pages, sealed
    /// with the tenant's key, fingerprinted. A refusal stores nothing.
    func upload(_ req: Request, _ ctx: TraderRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        do {
            let parts = try await Forms.readMultipart(req, maxBytes: Self.maxUpload, csrf: services.csrf, strings: t,
                                                      tooLarge: DocumentRejection.tooLarge(maxBytes: 10 * 1024 * 1024))
            func field(_ name: String) -> String { parts.first { $0.name == name && $0.fileName == nil }?.text?.trimmingCharacters(in: .whitespaces) ?? "" }
            guard let kind = DocumentKind(rawValue: field("kind")) else { throw RequestRejected(status: 400, publicMessage: "\(t["field_document_kind"] ?? "kind"): \(t["error_required_field"] ?? "")") }
            guard let file = parts.first(where: { $0.name == "file" && $0.fileName != nil }) else { throw DocumentRejection.empty }
            let inspected = try DocumentInspector.inspect(file.data)
            let issued = field("issued_on").isEmpty ? nil : try Self.date(field("issued_on"), field: "field_issued_on", t: t)
            let declaredDOB = field("declared_dob").isEmpty ? nil : try Self.date(field("declared_dob"), field: "field_declared_dob", t: t)
            let declaredName = field("declared_name")
            guard declaredName.count <= 200 else { throw RequestRejected(status: 400, publicMessage: "\(t["field_declared_name"] ?? "name"): \(t["error_too_long"]?.replacingOccurrences(of: "{{max}}", with: "200") ?? "")") }
            let vault = DocumentVault(key: services.keys.documents(tenant: ctx.tenant.handle.id))
            _ = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                try await Onboarding.addDocument(user: ctx.trader.user.id, kind: kind, fileName: DocumentInspector.sanitizedFileName(file.fileName ?? ""),
                                                 inspected: inspected, file: file.data, vault: vault, issuedOn: issued,
                                                 declaredName: declaredName.isEmpty ? nil : declaredName, declaredDateOfBirth: declaredDOB,
                                                 requestID: ctx.requestID, in: tx)
            }
            return Responses.seeOther("/kyc?uploaded=1")
        } catch {
            return try await kyc(req, ctx, error: error)
        }
    }

    func submit(_ req: Request, _ ctx: TraderRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        _ = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
        let deposited = try await depositedMinor(tenant: ctx.tenant, user: ctx.trader.user.id)
        let decision = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
            let hits = try await services.screen(client: ctx.trader.user.id, brand: ctx.tenant.config, trigger: .kyc, in: tx)
            return try await Onboarding.submit(user: ctx.trader.user.id, rules: ctx.tenant.config?.kyc, screening: ScreenedHits(hits: hits), depositedMinor: deposited,
                                        userAgent: req.headers[.userAgent] ?? "", country: ctx.clientCountry, requestID: ctx.requestID, in: tx)
        }
        let key: String = switch decision {
        case .approved: "notice_kyc_approved"
        case .review: "notice_kyc_submitted"
        case .rejected: "notice_kyc_rejected"
        }
        return try await kyc(req, ctx, notice: t[key] ?? "")
    }
}
