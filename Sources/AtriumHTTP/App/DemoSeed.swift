import AtriumBrandConfig
import AtriumCore
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation

/// Platform operator accounts.
public enum Operators {
    /// Creates the operator or resets their password.
    public static func upsert(email: String, password: String, services: AppServices) async throws {
        guard TenantConfig.isValidEmail(email) else { throw InputError(field: "email", reason: "expected an email address") }
        guard password.count >= PasswordHasher.minimumLength else { throw InputError(field: "password", reason: "at least \(PasswordHasher.minimumLength) characters") }
        let hash = try await services.authenticator.hasher.hash(password)
        try await services.database.platform { conn in
            let updated = try await conn.query("UPDATE platform.operators SET password_hash = \(hash), disabled_at = NULL WHERE lower(email) = \(email.lowercased()) RETURNING id",
                                               logger: services.logger).collect()
            if updated.isEmpty {
                try await conn.query("INSERT INTO platform.operators (email, password_hash) VALUES (\(email.lowercased()), \(hash))", logger: services.logger)
            }
            try await AuditLog.appendPlatform(AuditEntry(actor: "cli", action: "operator.upserted", subject: email.lowercased()), on: conn, logger: services.logger)
        }
    }
}

/// Demo and benchmark seeding. Never used by the portals themselves.
public enum DemoSeed {
    /// Gives a brand's invited admin a known password, so the demo can print a login.
    public static func setAdminPassword(slug: String, email: String, password: String, services: AppServices) async throws {
        guard let tenant = try await services.registry.tenant(slug: slug) else { throw ProvisioningError.notFound(slug) }
        let hash = try await services.authenticator.hasher.hash(password)
        try await services.tenantDB.transaction(tenant.handle) { tx in
            guard let id = try await Users.find(audience: .staff, email: email, in: tx) else { return }
            try await Users.setPassword(user: id, hash: hash, in: tx)
        }
    }

    /// A staff member with one built-in role and a known password (demo Finance and Compliance users).
    public static func upsertStaff(slug: String, email: String, role: BuiltinRole, password: String, services: AppServices) async throws {
        guard let tenant = try await services.registry.tenant(slug: slug) else { throw ProvisioningError.notFound(slug) }
        let hash = try await services.authenticator.hasher.hash(password)
        try await services.tenantDB.transaction(tenant.handle) { tx in
            let id: UUID
            if let existing = try await Users.find(audience: .staff, email: email, in: tx) {
                id = existing
                try await Users.setPassword(user: id, hash: hash, in: tx)
            } else {
                guard let created = try await Users.create(audience: .staff, email: email, name: role.rawValue, passwordHash: hash, in: tx) else { return }
                id = created
            }
            try await RBAC.grant(role, to: id, in: tx)
        }
    }

    /// A trader with a live session on `slug`; returns the session token.
    public static func benchSession(slug: String, services: AppServices) async throws -> String {
        guard let tenant = try await services.registry.tenant(slug: slug) else { throw ProvisioningError.notFound(slug) }
        let hash = try await services.authenticator.hasher.hash(Token.random())
        return try await services.tenantDB.transaction(tenant.handle) { tx in
            let email = "bench@\(slug).test"
            let id: UUID
            if let existing = try await Users.find(audience: .trader, email: email, in: tx) {
                id = existing
            } else {
                guard let created = try await Users.create(audience: .trader, email: email, name: "Bench Trader", passwordHash: hash, in: tx) else {
                    throw ProvisioningError.notFound(email)
                }
                id = created
            }
            return try await Sessions.create(user: id, audience: .trader, ip: "127.0.0.1", userAgent: "bench", replacing: nil, in: tx)
        }
    }
}
