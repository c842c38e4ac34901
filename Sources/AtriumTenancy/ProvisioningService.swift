import AtriumBrandConfig
import AtriumCore
import AtriumIdentity
import AtriumStorage
import AtriumWork
import Foundation
import Logging
import PostgresNIO

/// Renders the first-admin invitation email of a brand.
public protocol InvitationMessages: Sendable {
    func invitation(config: TenantConfig, email: String, link: String, in tx: TenantTransaction) async throws -> (subject: String, body: String)
}

/// Where a brand configuration version came from (`brand_config_versions.origin`).
public enum ConfigOrigin: String, Sendable, CaseIterable {
    /// A brand file: `atrium tenant apply`, `tenant create`, the demo.
    case file
    /// A Back Office settings editor.
    case backOffice = "back_office"
    /// A Back Office rollback to an earlier version.
    case rollback
    /// The provisioning API.
    case api
}

/// What a create or apply did.
public struct ProvisioningResult: Sendable, Equatable {
    public enum Change: String, Sendable { case created, updated, unchanged }
    public var slug: String
    public var change: Change
    /// Set when an invitation was issued (new admin); also mailed through the outbox.
    public var invitationLink: String?
    /// The `brand_config_versions` row written (nil when unchanged).
    public var configVersion: Int?
}

/// The one provisioning service behind the CLI and the operator console. Each operation is one
/// PostgreSQL transaction: role, schema, migrations, seeds and registry rows commit together or not at all.
public struct ProvisioningService: Sendable {
    let database: Database
    let migrations: MigrationSet
    let registry: TenantRegistry
    let rolePrefix: String
    let messages: any InvitationMessages
    /// Builds the brand's public base URL (scheme, host, port) for links in emails.
    let baseURL: @Sendable (TenantConfig) -> String

    public init(database: Database, migrations: MigrationSet, registry: TenantRegistry, rolePrefix: String,
                messages: any InvitationMessages, baseURL: @escaping @Sendable (TenantConfig) -> String) {
        self.database = database
        self.migrations = migrations
        self.registry = registry
        self.rolePrefix = rolePrefix
        self.messages = messages
        self.baseURL = baseURL
    }

    /// Creates a tenant or brings an existing one in line with `config`. Idempotent. `origin` and
    /// `section` are recorded on the new `brand_config_versions` row (a brand file, or a Back Office editor).
    /// `baseVersion`, when set, is the version the change was made against: the save is refused
    /// with `.superseded` if another version was stored since. `inTransaction` runs inside the
    /// brand's transaction after the version row is written (a four-eyes approval marks its change there).
    public func apply(_ config: TenantConfig, actor: String, requestID: String = "", origin: ConfigOrigin = .file,
                      section: String = "", baseVersion: Int? = nil,
                      inTransaction: (@Sendable (TenantTransaction, Int) async throws -> Void)? = nil) async throws -> ProvisioningResult {
        let problems = config.semanticProblems()
        guard problems.isEmpty else { throw ProvisioningError.invalidConfig(.init(file: config.slug.value, problems: problems)) }
        let json = try config.canonicalJSON()
        let checksum = Token.hex(Token.digest(json))
        let slug = config.slug
        guard let schema = SQLIdentifier(slug.schemaName), let role = SQLIdentifier(rolePrefix + slug.value) else {
            throw StorageError.invalidIdentifier(slug.value)
        }
        let logger = database.logger
        do {
            let result = try await database.platform { conn -> ProvisioningResult in
                try await conn.query("SELECT pg_advisory_xact_lock(hashtext('provision:' || \(slug.value)))", logger: logger)
                let existing = try await conn.query("SELECT id, config_checksum, schema_version FROM platform.tenants WHERE slug = \(slug.value)", logger: logger)
                    .collect().first.map { try $0.decode((UUID, String, Int).self) }
                let change: ProvisioningResult.Change
                let tenantID: UUID
                if let (id, oldChecksum, version) = existing {
                    let domains = try await conn.query("SELECT domain FROM platform.tenant_domains WHERE tenant_id = \(id) ORDER BY domain", logger: logger)
                        .collect().map { try $0.decode(String.self) }
                    if oldChecksum == checksum && version == migrations.currentTenantVersion && domains == config.domains.sorted() {
                        return ProvisioningResult(slug: slug.value, change: .unchanged)
                    }
                    tenantID = id
                    change = .updated
                    try await conn.query("""
                        UPDATE platform.tenants SET name = \(config.name), config = \(json)::jsonb, config_checksum = \(checksum), updated_at = now()
                        WHERE id = \(id)
                        """, logger: logger)
                    try await conn.query("DELETE FROM platform.tenant_domains WHERE tenant_id = \(id)", logger: logger)
                } else {
                    change = .created
                    tenantID = try await conn.query("""
                        INSERT INTO platform.tenants (slug, name, schema_name, role_name, config, config_checksum)
                        VALUES (\(slug.value), \(config.name), \(schema.name), \(role.name), \(json)::jsonb, \(checksum)) RETURNING id
                        """, logger: logger).collect().first?.decode(UUID.self) ?? UUID()
                    // The role has privileges on its own schema only; the login role may switch to it
                    // but, being NOINHERIT, holds none of its privileges otherwise.
                    try await conn.query("CREATE ROLE \(role) NOLOGIN NOINHERIT", logger: logger)
                    try await conn.query("GRANT \(role) TO CURRENT_USER", logger: logger)
                    try await conn.query("CREATE SCHEMA \(schema) AUTHORIZATION \(role)", logger: logger)
                }
                for domain in config.domains {
                    try await conn.query("INSERT INTO platform.tenant_domains (domain, tenant_id) VALUES (\(domain), \(tenantID))", logger: logger)
                }
                let handle = TenantHandle(id: tenantID, slug: slug.value, schema: schema, role: role)
                let (link, version) = try await seedTenant(handle, config: config, json: json, checksum: checksum, change: change, actor: actor, requestID: requestID,
                                                origin: origin, section: section, baseVersion: baseVersion, inTransaction: inTransaction, conn: conn)
                try await TenantDB.leave(conn, logger: logger)
                try await conn.query("UPDATE platform.tenants SET schema_version = \(migrations.currentTenantVersion) WHERE id = \(tenantID)", logger: logger)
                try await Self.bumpGeneration(conn, logger: logger)
                try await AuditLog.appendPlatform(AuditEntry(actor: actor, action: "tenant.\(change.rawValue)", subject: slug.value,
                                                             after: json, requestID: requestID), on: conn, logger: logger)
                return ProvisioningResult(slug: slug.value, change: change, invitationLink: link, configVersion: version)
            }
            registry.invalidate()
            return result
        } catch {
            throw Self.translate(error, slug: slug.value)
        }
    }

    /// Inside the new or existing schema: migrations, roles, first admin, config version, audit.
    private func seedTenant(_ handle: TenantHandle, config: TenantConfig, json: String, checksum: String, change: ProvisioningResult.Change,
                            actor: String, requestID: String, origin: ConfigOrigin, section: String, baseVersion: Int?,
                            inTransaction: (@Sendable (TenantTransaction, Int) async throws -> Void)?, conn: PostgresConnection) async throws -> (link: String?, version: Int) {
        let tx = try await TenantDB.enter(conn, handle, preparedStatements: database.preparedStatements, logger: database.logger)
        do {
            _ = try await Migrator.applyTenantMigrations(migrations.tenant, in: tx)
        } catch let e as StorageError {
            throw ProvisioningError.migrationFailed(e.description)
        }
        try await RBAC.seedBuiltinRoles(in: tx)
        let latest = try await tx.query("SELECT version, config::text FROM brand_config_versions ORDER BY version DESC LIMIT 1")
            .collect().first?.decode((Int, String).self)
        let before = latest?.1
        if let baseVersion, let current = latest?.0, current != baseVersion {
            throw ProvisioningError.superseded(base: baseVersion, current: current)
        }
        let version = try await tx.query("""
            INSERT INTO brand_config_versions (version, config, checksum, source, origin, section)
            SELECT coalesce(max(version), 0) + 1, \(json)::jsonb, \(checksum), \(actor), \(origin.rawValue), \(section) FROM brand_config_versions
            RETURNING version
            """).collect().first?.decode(Int.self) ?? 0
        var link: String?
        if try await Users.find(audience: .staff, email: config.admin.email, in: tx) == nil {
            guard let admin = try await Users.create(audience: .staff, email: config.admin.email, name: "Administrator",
                                                     passwordHash: nil, status: "invited", in: tx) else { return (nil, version) }
            try await RBAC.grant(.superAdmin, to: admin, in: tx)
            let token = try await Invitations.create(user: admin, in: tx)
            let url = "\(baseURL(config))/admin/invite/\(token)"
            let mail = try await messages.invitation(config: config, email: config.admin.email, link: url, in: tx)
            try await Outbox.enqueue(to: config.admin.email, subject: mail.subject, body: mail.body, in: tx)
            link = url
        }
        let action = origin == .file ? "tenant.\(change.rawValue)" : "brand.settings.\(origin.rawValue)"
        try await AuditLog.append(AuditEntry(actor: actor, action: action, subject: section.isEmpty ? handle.slug : section,
                                             before: before, after: json, requestID: requestID), in: tx)
        try await inTransaction?(tx, version)
        try await TenantDB.flushJobs(tx)
        return (link, version)
    }

    /// Maps constraint violations to the field that caused them.
    static func translate(_ error: any Error, slug: String) -> any Error {
        let root = error.rootCause
        if root is ProvisioningError || root is ConfigValidationError { return root }
        if root.sqlState == "23505" {
            let msg = root.serverMessage ?? ""
            if msg.contains("tenant_domains") || "\(root)".contains("tenant_domains_pkey") {
                let detail = (root as? PSQLError)?.serverInfo?[.detail] ?? ""
                let domain = detail.split(separator: "=").last.map { String($0.dropFirst().prefix { $0 != ")" }) } ?? "a domain"
                return ProvisioningError.domainTaken(domain)
            }
            return ProvisioningError.slugTaken(slug)
        }
        return root
    }

    static func bumpGeneration(_ conn: PostgresConnection, logger: Logger) async throws {
        try await conn.query("UPDATE platform.registry_state SET generation = generation + 1", logger: logger)
    }
}
