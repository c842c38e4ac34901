import AtriumCore
import AtriumStorage
import AtriumBrandConfig
import Foundation
import PostgresNIO

/// A client's profile as onboarding needs it.
public struct ClientProfile: Sendable, Equatable {
    public var name: String
    public var email: String
    public var country: String
    public var dateOfBirth: String?
    public var addressLine: String
    public var city: String
    public var postalCode: String
    public var kycStatus: String
    public var kycReasons: [String]
    public var kycNote: String
    public var emailVerified: Bool
    public var preferredLocale: String?
}

public struct StoredDocument: Sendable, Equatable {
    public let id: UUID
    public let kind: String
    public let fileName: String
    public let format: String
    public let byteCount: Int
    public let sha256: String
    public let issuedOn: String?
    public let uploadedAt: Date
    /// Another client of this brand uploaded the same file.
    public let duplicate: Bool
}

public struct QueueEntry: Sendable, Equatable {
    public let user: UUID
    public let email: String
    public let name: String
    public let country: String
    public let reasons: [String]
    public let since: Date
}

/// Profile, documents and KYC status of traders, inside a tenant transaction.
public enum Onboarding {
    public static func profile(user: UUID, in tx: TenantTransaction) async throws -> ClientProfile? {
        guard let row = try await tx.query("""
            SELECT name, email, country, to_char(date_of_birth, 'YYYY-MM-DD'), address_line, city, postal_code, kyc_status, kyc_reasons, kyc_note,
                   email_verified_at IS NOT NULL, preferred_locale
            FROM users WHERE id = \(user)
            """).collect().first else { return nil }
        let (name, email, country, dob, address, city, postal, status, reasons, note, verified, locale) =
            try row.decode((String, String, String, String?, String, String, String, String, [String], String, Bool, String?).self)
        return ClientProfile(name: name, email: email, country: country, dateOfBirth: dob, addressLine: address, city: city, postalCode: postal,
                             kycStatus: status, kycReasons: reasons, kycNote: note, emailVerified: verified, preferredLocale: locale)
    }

    /// Saves the profile; changing a KYC-relevant field of an approved client sends them back to review.
    /// Returns whether that happened.
    @discardableResult
    public static func updateProfile(user: UUID, name: String, dateOfBirth: String?, addressLine: String, city: String, postalCode: String,
                                     requestID: String, in tx: TenantTransaction) async throws -> Bool {
        guard let before = try await profile(user: user, in: tx) else { return false }
        try await tx.query("""
            UPDATE users SET name = \(name), date_of_birth = \(dateOfBirth)::date, address_line = \(addressLine), city = \(city),
                   postal_code = \(postalCode), updated_at = now()
            WHERE id = \(user)
            """)
        let changed = before.name != name || before.dateOfBirth != dateOfBirth || before.addressLine != addressLine || before.city != city
            || before.postalCode != postalCode
        let backToReview = changed && before.kycStatus == "approved"
        if backToReview {
            try await tx.query("UPDATE users SET kyc_status = 'submitted', kyc_reasons = '{profile_changed}', kyc_approved_at = NULL WHERE id = \(user)")
            try await tx.query("""
                INSERT INTO kyc_decisions (user_id, actor, outcome, reasons, facts)
                VALUES (\(user), 'system', 'review', '{profile_changed}', \(facts(["before": describe(before), "after": "\(name) / \(dateOfBirth ?? "-") / \(addressLine), \(postalCode) \(city)"]))::jsonb)
                """)
        }
        if changed {
            let actor = "trader:\(user.uuidString.lowercased())"
            try await AuditLog.append(AuditEntry(actor: actor, action: "trader.profile_updated", subject: actor,
                                                 before: facts(["profile": describe(before)]),
                                                 after: facts(["profile": "\(name) / \(dateOfBirth ?? "-") / \(addressLine), \(postalCode) \(city)",
                                                               "kyc": backToReview ? "back to review" : before.kycStatus]),
                                                 requestID: requestID), in: tx)
        }
        return backToReview
    }

    static func describe(_ p: ClientProfile) -> String { "\(p.name) / \(p.dateOfBirth ?? "-") / \(p.addressLine), \(p.postalCode) \(p.city)" }

    static func facts(_ fields: [String: String]) throws -> String {
        try CanonicalJSON.text(fields)
    }

    /// Seals an inspected document to its new row and stores it; returns its id and whether another client has the same file.
    public static func addDocument(user: UUID, kind: DocumentKind, fileName: String, inspected: InspectedDocument, file: [UInt8], vault: DocumentVault,
                                   issuedOn: String?, declaredName: String?, declaredDateOfBirth: String?, requestID: String,
                                   in tx: TenantTransaction) async throws -> (UUID, duplicate: Bool) {
        let duplicate = try await tx.query("SELECT 1 FROM kyc_documents WHERE sha256 = \(inspected.sha256) AND user_id <> \(user) LIMIT 1").collect().count > 0
        // The id is chosen here, not by the database, because the sealed bytes are bound to it.
        let id = UUID()
        let sealed = try vault.seal(file, for: DocumentBinding(tenant: tx.tenant.id, user: user, document: id))
        try await tx.query("""
            INSERT INTO kyc_documents (id, user_id, kind, file_name, format, byte_count, sha256, sealed, issued_on, declared_name, declared_dob)
            VALUES (\(id), \(user), \(kind.rawValue), \(fileName), \(inspected.format.rawValue), \(inspected.byteCount), \(inspected.sha256),
                    \(ByteBuffer(bytes: sealed)), \(issuedOn)::date, \(declaredName), \(declaredDateOfBirth)::date)
            """)
        let actor = "trader:\(user.uuidString.lowercased())"
        try await AuditLog.append(AuditEntry(actor: actor, action: "kyc.document_uploaded", subject: "document:\(id.uuidString.lowercased())",
                                             after: facts(["kind": kind.rawValue, "sha256": inspected.sha256, "bytes": "\(inspected.byteCount)",
                                                           "duplicate": duplicate ? "yes" : "no"]),
                                             requestID: requestID), in: tx)
        return (id, duplicate)
    }

    public static func documents(user: UUID, in tx: TenantTransaction) async throws -> [StoredDocument] {
        var out: [StoredDocument] = []
        for try await (id, kind, name, format, bytes, sha, issued, at, dup) in try await tx.query("""
            SELECT d.id, d.kind, d.file_name, d.format, d.byte_count, d.sha256, to_char(d.issued_on, 'YYYY-MM-DD'), d.uploaded_at,
                   EXISTS (SELECT 1 FROM kyc_documents o WHERE o.sha256 = d.sha256 AND o.user_id <> d.user_id)
            FROM kyc_documents d WHERE d.user_id = \(user) ORDER BY d.uploaded_at DESC
            """).decode((UUID, String, String, String, Int, String, String?, Date, Bool).self) {
            out.append(StoredDocument(id: id, kind: kind, fileName: name, format: format, byteCount: bytes, sha256: sha, issuedOn: issued,
                                      uploadedAt: at, duplicate: dup))
        }
        return out
    }

    /// The sealed bytes of one of `user`'s documents.
    public static func sealedDocument(id: UUID, user: UUID, in tx: TenantTransaction) async throws -> (format: String, fileName: String, sealed: [UInt8])? {
        guard let (format, name, sealed) = try await tx.query("SELECT format, file_name, sealed FROM kyc_documents WHERE id = \(id) AND user_id = \(user)")
            .collect().first?.decode((String, String, ByteBuffer).self) else { return nil }
        return (format, name, Array(buffer: sealed))
    }

    /// Runs the brand's rules on the latest document of each kind and records the decision.
    public static func submit(user: UUID, rules: TenantConfig.KYCRules?, screening: any ScreeningProvider, depositedMinor: Int64, userAgent: String,
                              country: String? = nil, now: Date = Date(), requestID: String, in tx: TenantTransaction) async throws -> KYCDecision {
        guard let p = try await profile(user: user, in: tx) else { return .rejected([]) }
        var latest: [String: SubmittedDocument] = [:]
        for try await (kind, issued, declaredName, declaredDOB, dup) in try await tx.query("""
            SELECT DISTINCT ON (d.kind) d.kind, d.issued_on::timestamptz, d.declared_name, to_char(d.declared_dob, 'YYYY-MM-DD'),
                   EXISTS (SELECT 1 FROM kyc_documents o WHERE o.sha256 = d.sha256 AND o.user_id <> d.user_id)
            FROM kyc_documents d WHERE d.user_id = \(user) ORDER BY d.kind, d.uploaded_at DESC
            """).decode((String, Date?, String?, String?, Bool).self) {
            latest[kind] = SubmittedDocument(kind: kind, issuedOn: issued, declaredName: declaredName, declaredDateOfBirth: declaredDOB, duplicateOfAnotherClient: dup)
        }
        let (registrationAgent, registrationCountry) = try await tx.query("SELECT registration_user_agent, registration_country FROM users WHERE id = \(user)")
            .collect().first?.decode((String, String?).self) ?? ("", nil)
        let application = KYCApplication(country: p.country, fullName: p.name, dateOfBirth: p.dateOfBirth, documents: Array(latest.values),
                                         depositedMinor: depositedMinor, registrationCountry: registrationCountry, currentCountry: country,
                                         knownDevice: registrationAgent.isEmpty || registrationAgent == userAgent, now: now)
        let screened = try await screening.screen(name: p.name, dateOfBirth: p.dateOfBirth, country: p.country)
        let decision = KYCEngine.decide(application, rules: rules, screening: screened)
        let (outcome, status, reasons): (String, String, [KYCReason]) = switch decision {
        case .approved: ("approved", "approved", [])
        case .review(let r): ("review", r.contains { $0.rawValue.hasPrefix("missing_") } && r.allSatisfy { $0.rawValue.hasPrefix("missing_") } ? "more_documents" : "submitted", r)
        case .rejected(let r): ("rejected", "rejected", r)
        }
        let codes = reasons.map(\.rawValue)
        try await tx.query("""
            UPDATE users SET kyc_status = \(status), kyc_reasons = \(codes), kyc_note = '',
                   kyc_approved_at = CASE WHEN \(status) = 'approved' THEN now() ELSE kyc_approved_at END
            WHERE id = \(user)
            """)
        let factText = try facts(["country": p.country, "name": p.name, "date_of_birth": p.dateOfBirth ?? "",
                              "documents": latest.keys.sorted().joined(separator: ","), "screening": "\(screened)",
                              "deposited_minor": "\(depositedMinor)"])
        try await tx.query("""
            INSERT INTO kyc_decisions (user_id, actor, outcome, reasons, facts) VALUES (\(user), 'rules', \(outcome), \(codes), \(factText)::jsonb)
            """)
        try await AuditLog.append(AuditEntry(actor: "rules", action: "kyc.\(outcome)", subject: "trader:\(user.uuidString.lowercased())",
                                             after: factText, requestID: requestID), in: tx)
        try await WebhookEvents.record(.kycDecided, ["client_id": .id(user), "status": .string(status), "reasons": .strings(codes), "decided_by": .string("rules")], in: tx)
        return decision
    }

    /// Applications waiting for Compliance.
    public static func queue(in tx: TenantTransaction) async throws -> [QueueEntry] {
        var out: [QueueEntry] = []
        for try await (id, email, name, country, reasons, since) in try await tx.query("""
            SELECT u.id, u.email, u.name, u.country, u.kyc_reasons,
                   coalesce((SELECT max(decided_at) FROM kyc_decisions d WHERE d.user_id = u.id), u.updated_at)
            FROM users u WHERE u.audience = 'trader' AND u.kyc_status = 'submitted' ORDER BY 6
            """).decode((UUID, String, String, String, [String], Date).self) {
            out.append(QueueEntry(user: id, email: email, name: name, country: country, reasons: reasons, since: since))
        }
        return out
    }

    public enum StaffOutcome: String, Sendable { case approved, rejected, moreDocuments = "more_documents" }

    /// A Compliance decision, recorded with the facts the reviewer saw.
    public static func decide(user: UUID, staff: UUID, outcome: StaffOutcome, note: String, seen: [String: String], requestID: String,
                              in tx: TenantTransaction) async throws -> Bool {
        let status = outcome == .moreDocuments ? "more_documents" : outcome.rawValue
        let updated = try await tx.query("""
            UPDATE users SET kyc_status = \(status), kyc_note = \(note),
                   kyc_approved_at = CASE WHEN \(status) = 'approved' THEN now() ELSE NULL END
            WHERE id = \(user) AND audience = 'trader' AND kyc_status = 'submitted' RETURNING 1
            """).collect()
        guard !updated.isEmpty else { return false }
        let actor = "staff:\(staff.uuidString.lowercased())"
        let factText = try facts(seen.merging(["note": note]) { a, _ in a })
        try await tx.query("""
            INSERT INTO kyc_decisions (user_id, actor, outcome, note, facts) VALUES (\(user), \(actor), \(outcome.rawValue), \(note), \(factText)::jsonb)
            """)
        try await AuditLog.append(AuditEntry(actor: actor, action: "kyc.\(outcome.rawValue)", subject: "trader:\(user.uuidString.lowercased())",
                                             after: factText, requestID: requestID), in: tx)
        try await WebhookEvents.record(.kycDecided, ["client_id": .id(user), "status": .string(status), "reasons": .strings([]), "decided_by": .string("staff")], in: tx)
        return true
    }

    /// The decisions on a client, newest first (the case history).
    public static func history(user: UUID, in tx: TenantTransaction) async throws -> [(at: Date, actor: String, outcome: String, reasons: [String], note: String)] {
        var out: [(Date, String, String, [String], String)] = []
        for try await row in try await tx.query("""
            SELECT decided_at, actor, outcome, reasons, note FROM kyc_decisions WHERE user_id = \(user) ORDER BY id DESC
            """).decode((Date, String, String, [String], String).self) {
            out.append(row)
        }
        return out.map { (at: $0.0, actor: $0.1, outcome: $0.2, reasons: $0.3, note: $0.4) }
    }
}
