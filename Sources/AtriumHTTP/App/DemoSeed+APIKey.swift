import AtriumIdentity
import AtriumTenancy
import Foundation

extension DemoSeed {
    /// The demo's read-only API key of a brand: a new token on every run (a token is shown once
    /// and cannot be printed again), with the previous demo key revoked; both audited as `demo`.
    /// Returns the token and how many earlier demo keys were revoked.
    public static func replaceDemoAPIKey(slug: String, services: AppServices) async throws -> (token: String, revoked: Int) {
        guard let tenant = try await services.registry.tenant(slug: slug) else { throw ProvisioningError.notFound(slug) }
        return try await services.tenantDB.transaction(tenant.handle) { tx in try await APIKeys.replaceDemoKey(actor: "demo", in: tx) }
    }
}
