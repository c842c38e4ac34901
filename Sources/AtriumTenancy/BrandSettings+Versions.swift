import AtriumBrandConfig
import AtriumStorage
import Foundation

/// One stored version of a brand's configuration.
public struct ConfigVersionRow: Sendable, Equatable {
    public var version: Int
    public var createdAt: Date
    /// The actor that wrote it (`staff:<uuid>`, `cli:<user>`, …).
    public var source: String
    /// The staff member's email when the actor is staff.
    public var staffEmail: String?
    public var origin: String
    public var section: String

    /// Who, for people: the staff email, else the actor string.
    public var who: String { staffEmail ?? source }
}

extension BrandSettings {
    /// Every version of the brand's configuration, newest first.
    public func versions(slug: String) async throws -> [ConfigVersionRow] {
        let handle = try await handle(slug: slug)
        return try await tenantDB.transaction(handle) { tx in
            try await tx.query("""
                SELECT v.version, v.created_at, v.source, u.email, v.origin, v.section FROM brand_config_versions v
                LEFT JOIN users u ON v.source = 'staff:' || u.id::text ORDER BY v.version DESC
                """).collect().map { row in
                let (version, at, source, email, origin, section) = try row.decode((Int, Date, String, String?, String, String).self)
                return ConfigVersionRow(version: version, createdAt: at, source: source, staffEmail: email, origin: origin, section: section)
            }
        }
    }

    /// Every version with its configuration, oldest first, in one query (for credential history).
    func history(slug: String) async throws -> [(row: ConfigVersionRow, config: TenantConfig)] {
        let handle = try await handle(slug: slug)
        return try await tenantDB.transaction(handle) { tx in
            try await tx.query("""
                SELECT v.version, v.created_at, v.source, u.email, v.origin, v.section, v.config::text FROM brand_config_versions v
                LEFT JOIN users u ON v.source = 'staff:' || u.id::text ORDER BY v.version
                """).collect().map { row in
                let (version, at, source, email, origin, section, json) = try row.decode((Int, Date, String, String?, String, String, String).self)
                return (ConfigVersionRow(version: version, createdAt: at, source: source, staffEmail: email, origin: origin, section: section),
                        try JSONDecoder().decode(TenantConfig.self, from: Data(json.utf8)))
            }
        }
    }

    /// The configuration stored as `version`, or nil when there is no such version.
    public func config(slug: String, version: Int) async throws -> TenantConfig? {
        let handle = try await handle(slug: slug)
        let text = try await tenantDB.transaction(handle) { tx in
            try await tx.query("SELECT config::text FROM brand_config_versions WHERE version = \(version)").collect().first?.decode(String.self)
        }
        return try text.map { try JSONDecoder().decode(TenantConfig.self, from: Data($0.utf8)) }
    }

    /// The brand's latest version row, or nil before the first.
    public func latest(slug: String) async throws -> ConfigVersionRow? {
        try await versions(slug: slug).first
    }

    /// The differences between two versions (secrets only as changed, never their values).
    public func diff(slug: String, from: Int, to: Int) async throws -> ConfigDiff? {
        guard let a = try await config(slug: slug, version: from), let b = try await config(slug: slug, version: to) else { return nil }
        return try ConfigDiff.between(a, b)
    }

    /// Restores `version`'s configuration as a NEW version with origin `rollback`, validated like
    /// any save (and held for a second approver when four-eyes guards what it changes).
    public func rollback(slug: String, to version: Int, actor: String, requestID: String = "") async throws -> Outcome {
        guard let target = try await config(slug: slug, version: version) else { throw ProvisioningError.changeNotFound }
        let before = try await current(slug: slug)
        return try await store(target, over: before, slug: slug, section: "rollback to v\(version)", actor: actor, requestID: requestID,
                               origin: .rollback)
    }
}
