import AtriumBrandConfig
import AtriumCore
import AtriumStorage
import Foundation

/// Back Office edits of a brand's settings. Each save reads the brand's current configuration,
/// applies one editor's change, validates it with the same rules as `atrium tenant apply`, and
/// stores it through `ProvisioningService.apply`: a new `brand_config_versions` row (origin
/// `back_office`, the editor's section), the registry row, the before/after in the audit log and a
/// registry generation bump, in one transaction. With `security.four_eyes`, a change to PSP
/// credentials or limits or to withdrawal limits waits in `brand_config_changes` for a second approver.
public struct BrandSettings: Sendable {
    let provisioning: ProvisioningService
    let registry: TenantRegistry
    /// Seals credentials set in the Back Office (nil: setting a credential is refused).
    let vault: CredentialVault?

    public init(provisioning: ProvisioningService, registry: TenantRegistry, vault: CredentialVault? = nil) {
        self.provisioning = provisioning
        self.registry = registry
        self.vault = vault
    }

    /// What a save did.
    public enum Outcome: Sendable, Equatable {
        /// Stored as this version.
        case saved(version: Int)
        /// The change equals the current configuration; nothing was written.
        case unchanged
        /// Four-eyes: stored as a pending change (`brand_config_changes.id`) for another staff member to approve.
        case pendingApproval(id: UUID)
    }

    var tenantDB: TenantDB { TenantDB(database: provisioning.database) }

    /// The brand's current configuration, read fresh from the registry.
    public func current(slug: String) async throws -> TenantConfig {
        registry.invalidate()
        guard let record = try await registry.tenant(slug: slug), let config = record.config else { throw ProvisioningError.notFound(slug) }
        return config
    }

    /// The brand's tenant handle.
    func handle(slug: String) async throws -> TenantHandle {
        guard let record = try await registry.tenant(slug: slug) else { throw ProvisioningError.notFound(slug) }
        return record.handle
    }

    /// Applies `change` to the current configuration and stores the result. Validation problems
    /// throw `ProvisioningError.invalidConfig` naming each field; nothing is written then.
    public func update(slug: String, section: String, actor: String, requestID: String = "", origin: ConfigOrigin = .backOffice,
                       _ change: (inout TenantConfig) throws -> Void) async throws -> Outcome {
        let before = try await current(slug: slug)
        var after = before
        try change(&after)
        return try await store(after, over: before, slug: slug, section: section, actor: actor, requestID: requestID, origin: origin)
    }

    /// Validates `after` and stores it, or queues it for a second approver when four-eyes guards the change.
    func store(_ after: TenantConfig, over before: TenantConfig, slug: String, section: String, actor: String, requestID: String,
               origin: ConfigOrigin) async throws -> Outcome {
        guard after != before else { return .unchanged }
        guard after.slug == before.slug else { throw ProvisioningError.invalidConfig(.init(file: slug, problems: [.init(path: "slug", expected: "the brand's own slug; it cannot be changed")])) }
        let problems = after.semanticProblems() + Self.secretReferenceProblems(after)
        guard problems.isEmpty else { throw ProvisioningError.invalidConfig(.init(file: slug, problems: problems)) }
        // The brand's setting before the change decides, so four-eyes cannot be switched off and
        // bypassed in the same save.
        if before.securitySettings.requiresFourEyes, try ConfigDiff.between(before, after).needsSecondApprover {
            return .pendingApproval(id: try await propose(after, over: before, slug: slug, section: section, actor: actor, requestID: requestID))
        }
        let result = try await provisioning.apply(after, actor: actor, requestID: requestID, origin: origin, section: section)
        guard result.change != .unchanged, let version = result.configVersion else { return .unchanged }
        return .saved(version: version)
    }

    /// Credential fields must hold a reference (`env:NAME` or a sealed value), never the secret itself.
    static func secretReferenceProblems(_ config: TenantConfig) -> [ConfigValidationError.Problem] {
        var out: [ConfigValidationError.Problem] = []
        func check(_ value: String?, _ path: String) {
            guard let value else { return }
            if CredentialVault.isSealed(value) || value.range(of: "^env:[A-Z_][A-Z0-9_]*$", options: .regularExpression) != nil { return }
            out.append(.init(path: path, expected: "a secret reference (env:NAME) or a credential set on the credentials page, never the secret itself"))
        }
        for (i, p) in (config.psps ?? []).enumerated() {
            check(p.apiKey, "psps[\(i)].api_key")
            check(p.webhookSecret, "psps[\(i)].webhook_secret")
        }
        for (i, p) in (config.platforms ?? []).enumerated() {
            check(p.managerLogin, "platforms[\(i)].manager_login")
            check(p.managerPassword, "platforms[\(i)].manager_password")
            check(p.apiKey, "platforms[\(i)].api_key")
        }
        return out
    }

    /// The staff user id inside an actor string (`staff:<uuid>`).
    static func staffID(_ actor: String) -> UUID? {
        guard actor.hasPrefix("staff:") else { return nil }
        return UUID(uuidString: String(actor.dropFirst(6)))
    }
}
