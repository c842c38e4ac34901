import AtriumBrandConfig
import AtriumStorage
import Foundation

/// Brand settings changed in the Back Office that a brand file would overwrite.
public struct ConfigDrift: Sendable, Equatable {
    public var slug: String
    /// The latest version and its origin (`back_office`, `rollback`, `api`).
    public var version: Int
    public var origin: String
    /// The fields that differ between the stored configuration and the file.
    public var fields: [String]

    /// The refusal `atrium tenant apply` reports without `--force`.
    public var error: ProvisioningError { .drift(slug: slug, origin: origin, fields: fields) }
}

extension ProvisioningService {
    /// The drift between `file` and the brand's stored configuration: nil for a new brand, when the
    /// latest version came from a file, or when the stored configuration equals the file.
    public func drift(_ file: TenantConfig) async throws -> ConfigDrift? {
        guard let record = try await registry.fresh(slug: file.slug.value) else { return nil }
        let latest = try await TenantDB(database: database).transaction(record.handle) { tx in
            try await tx.query("SELECT version, origin, config::text FROM brand_config_versions ORDER BY version DESC LIMIT 1")
                .collect().first?.decode((Int, String, String).self)
        }
        guard let (version, origin, json) = latest, origin != ConfigOrigin.file.rawValue else { return nil }
        let stored = try JSONDecoder().decode(TenantConfig.self, from: Data(json.utf8))
        let diff = try ConfigDiff.between(stored, file)
        guard !diff.changes.isEmpty else { return nil }
        return ConfigDrift(slug: file.slug.value, version: version, origin: origin, fields: diff.paths)
    }
}
