import AtriumBrandConfig
import AtriumCore
import AtriumIdentity
import AtriumWork
import AtriumStorage
import Foundation
import PostgresNIO

extension ProvisioningService {
    /// Creates a brand from the console or `tenant create`: default branding, given domains and admin.
    public func create(slug rawSlug: String, name: String, domains: [String], adminEmail: String,
                       actor: String, requestID: String = "") async throws -> ProvisioningResult {
        guard let slug = Slug(rawSlug) else {
            throw ProvisioningError.invalidConfig(.init(file: "request", problems: [.init(path: "slug", expected: Slug.rule)]))
        }
        if try await registry.tenant(slug: slug.value) != nil { throw ProvisioningError.slugTaken(slug.value) }
        let config: TenantConfig
        do {
            config = try TenantConfig.starter(slug: slug, name: name, domains: domains, adminEmail: adminEmail)
        } catch let error as ConfigValidationError {
            throw ProvisioningError.invalidConfig(error)
        }
        return try await apply(config, actor: actor, requestID: requestID)
    }

    /// Suspends or resumes a brand. Suspended portals show a maintenance page; data is kept.
    public func setStatus(slug: String, active: Bool, actor: String, requestID: String = "") async throws {
        let status = active ? "active" : "suspended"
        let logger = database.logger
        let updated = try await database.platform { conn -> Bool in
            let rows = try await conn.query("UPDATE platform.tenants SET status = \(status), updated_at = now() WHERE slug = \(slug) RETURNING id", logger: logger).collect()
            guard !rows.isEmpty else { return false }
            try await Self.bumpGeneration(conn, logger: logger)
            try await AuditLog.appendPlatform(AuditEntry(actor: actor, action: active ? "tenant.resumed" : "tenant.suspended", subject: slug, requestID: requestID), on: conn, logger: logger)
            return true
        }
        guard updated else { throw ProvisioningError.notFound(slug) }
        registry.invalidate()
    }

    /// The brand's current definition as YAML (secrets stay references).
    public func export(slug: String) async throws -> String {
        registry.invalidate()
        guard let record = try await registry.tenant(slug: slug), let config = record.config else { throw ProvisioningError.notFound(slug) }
        return try ConfigExport.yaml(config)
    }

    /// Deletes a brand after writing an export to `exportDirectory`; returns the export path.
    public func delete(slug: String, confirm: String, exportDirectory: String, actor: String, requestID: String = "") async throws -> String {
        guard confirm == slug else { throw ProvisioningError.confirmationMismatch(expected: slug) }
        let yaml = try await export(slug: slug)
        try FileManager.default.createDirectory(atPath: exportDirectory, withIntermediateDirectories: true)
        let stamp = Date().formatted(.iso8601).replacingOccurrences(of: ":", with: "")
        let path = "\(exportDirectory)/\(slug)-\(stamp).yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        guard let record = try await registry.tenant(slug: slug) else { throw ProvisioningError.notFound(slug) }
        let logger = database.logger
        try await database.platform { conn in
            // Only the owning tenant role may drop its schema; the login role then drops the role.
            let tx = try await TenantDB.enter(conn, record.handle, preparedStatements: database.preparedStatements, logger: logger)
            try await tx.query("DROP SCHEMA \(record.handle.schema) CASCADE")
            try await TenantDB.leave(conn, logger: logger)
            try await conn.query("DROP ROLE \(record.handle.role)", logger: logger)
            try await conn.query("DELETE FROM platform.tenants WHERE id = \(record.handle.id)", logger: logger)
            try await Self.bumpGeneration(conn, logger: logger)
            try await AuditLog.appendPlatform(AuditEntry(actor: actor, action: "tenant.deleted", subject: slug, after: try CanonicalJSON.object(["export": path]), requestID: requestID), on: conn, logger: logger)
        }
        registry.invalidate()
        return path
    }
}

extension ProvisioningService {
    /// Issues a new invitation link for a staff member (default: the brand's configured admin),
    /// for example when the first one expired. Mails it through the outbox and returns it.
    public func invite(slug: String, email: String? = nil, actor: String, requestID: String = "") async throws -> String {
        guard let record = try await registry.tenant(slug: slug), let config = record.config else { throw ProvisioningError.notFound(slug) }
        let target = (email ?? config.admin.email).lowercased()
        let link = try await TenantDB(database: database).transaction(record.handle) { tx -> String? in
            guard let user = try await Users.find(audience: .staff, email: target, in: tx) else { return nil }
            let token = try await Invitations.create(user: user, in: tx)
            let url = "\(baseURL(config))/admin/invite/\(token)"
            let mail = try await messages.invitation(config: config, email: target, link: url, in: tx)
            try await Outbox.enqueue(to: target, subject: mail.subject, body: mail.body, in: tx)
            try await AuditLog.append(AuditEntry(actor: actor, action: "staff.invited", subject: "staff:\(target)", requestID: requestID), in: tx)
            return url
        }
        guard let link else { throw ProvisioningError.notFound("staff member \(target) of \(slug)") }
        return link
    }
}
