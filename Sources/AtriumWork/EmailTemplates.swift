import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// A brand's override of one email template in one locale (table `email_templates`).
public struct EmailTemplateOverride: Sendable, Equatable, Codable {
    /// The template's file name under `templates/default/email/`, e.g. `verify-email`.
    public var name: String
    /// Two-letter locale code.
    public var locale: String
    /// The subject line, a one-line Mustache template.
    public var subject: String
    /// The plain-text body, a Mustache template.
    public var body: String
    /// Who saved it (`staff:<email>`).
    public var updatedBy: String
    /// When it was saved.
    public var updatedAt: Date

    /// An override about to be saved.
    public init(name: String, locale: String, subject: String, body: String, updatedBy: String = "", updatedAt: Date = Date()) {
        self.name = name
        self.locale = locale
        self.subject = subject
        self.body = body
        self.updatedBy = updatedBy
        self.updatedAt = updatedAt
    }
}

/// The stored overrides of a brand's email templates. No row means the default file is used;
/// resetting deletes the row. Every save and reset is audited with before and after.
public enum EmailTemplates {
    /// The override of `name` in `locale`, if the brand saved one.
    public static func find(name: String, locale: String, in tx: TenantTransaction) async throws -> EmailTemplateOverride? {
        try await rows(tx.query("""
            SELECT name, locale, subject, body, updated_by, updated_at FROM email_templates WHERE name = \(name) AND locale = \(locale)
            """)).first
    }

    /// Every override of the brand, by name and locale.
    public static func all(in tx: TenantTransaction) async throws -> [EmailTemplateOverride] {
        try await rows(tx.query("SELECT name, locale, subject, body, updated_by, updated_at FROM email_templates ORDER BY name, locale"))
    }

    /// Creates or replaces the override (the caller validated it) and audits the change as `actor`;
    /// the row names `template.updatedBy` (a person's email for the settings page), or `actor` when empty.
    public static func save(_ template: EmailTemplateOverride, actor: String, requestID: String, in tx: TenantTransaction) async throws {
        let before = try await find(name: template.name, locale: template.locale, in: tx)
        try await tx.query("""
            INSERT INTO email_templates (name, locale, subject, body, updated_by, updated_at)
            VALUES (\(template.name), \(template.locale), \(template.subject), \(template.body),
                    \(template.updatedBy.isEmpty ? actor : template.updatedBy), now())
            ON CONFLICT (name, locale) DO UPDATE SET subject = EXCLUDED.subject, body = EXCLUDED.body,
                updated_by = EXCLUDED.updated_by, updated_at = now()
            """)
        try await AuditLog.append(AuditEntry(actor: actor, action: "brand.email_template.saved", subject: "email:\(template.name)/\(template.locale)",
                                             before: try before.map(auditJSON), after: try auditJSON(template), requestID: requestID), in: tx)
    }

    /// Deletes the override, so the default applies again. Returns false when there was none.
    @discardableResult
    public static func reset(name: String, locale: String, actor: String, requestID: String, in tx: TenantTransaction) async throws -> Bool {
        guard let before = try await find(name: name, locale: locale, in: tx) else { return false }
        try await tx.query("DELETE FROM email_templates WHERE name = \(name) AND locale = \(locale)")
        try await AuditLog.append(AuditEntry(actor: actor, action: "brand.email_template.reset", subject: "email:\(name)/\(locale)",
                                             before: try auditJSON(before), after: nil, requestID: requestID), in: tx)
        return true
    }

    /// The audited form of an override: what the template says, not who saved it when.
    static func auditJSON(_ t: EmailTemplateOverride) throws -> String {
        struct Snapshot: Encodable { let name, locale, subject, body: String }
        return try CanonicalJSON.text(Snapshot(name: t.name, locale: t.locale, subject: t.subject, body: t.body))
    }

    static func rows(_ sequence: PostgresRowSequence) async throws -> [EmailTemplateOverride] {
        var out: [EmailTemplateOverride] = []
        for try await (name, locale, subject, body, by, at) in sequence.decode((String, String, String, String, String, Date).self) {
            out.append(EmailTemplateOverride(name: name, locale: locale, subject: subject, body: body, updatedBy: by, updatedAt: at))
        }
        return out
    }
}
