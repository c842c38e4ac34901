import AtriumBrandConfig
import AtriumStorage
import Foundation

/// Back Office edits of a brand's settings. Each save reads the brand's current configuration,
/// applies one editor's change, validates it with the same rules as `atrium tenant apply`, and
/// stores it through `ProvisioningService.apply`: a new `brand_config_versions` row (origin
/// `back_office`, the editor's section), the registry row, the before/after in the audit log and a
/// registry generation bump, in one transaction.
public struct BrandSettings: Sendable {
    let provisioning: ProvisioningService
    let registry: TenantRegistry

    public init(provisioning: ProvisioningService, registry: TenantRegistry) {
        self.provisioning = provisioning
        self.registry = registry
    }

    /// What a save did.
    public enum Outcome: Sendable, Equatable {
        /// Stored as this version.
        case saved(version: Int)
        /// The change equals the current configuration; nothing was written.
        case unchanged
    }

    /// The brand's current configuration, read fresh from the registry.
    public func current(slug: String) async throws -> TenantConfig {
        registry.invalidate()
        guard let record = try await registry.tenant(slug: slug), let config = record.config else { throw ProvisioningError.notFound(slug) }
        return config
    }

    /// Applies `change` to the current configuration and stores the result. Validation problems
    /// throw `ProvisioningError.invalidConfig` naming each field; nothing is written then.
    public func update(slug: String, section: String, actor: String, requestID: String = "", origin: ConfigOrigin = .backOffice,
                       _ change: (inout TenantConfig) throws -> Void) async throws -> Outcome {
        let before = try await current(slug: slug)
        var after = before
        try change(&after)
        guard after != before else { return .unchanged }
        guard after.slug == before.slug else { throw ProvisioningError.invalidConfig(.init(file: slug, problems: [.init(path: "slug", expected: "the brand's own slug; it cannot be changed")])) }
        let result = try await provisioning.apply(after, actor: actor, requestID: requestID, origin: origin, section: section)
        guard result.change != .unchanged, let version = result.configVersion else { return .unchanged }
        return .saved(version: version)
    }
}
