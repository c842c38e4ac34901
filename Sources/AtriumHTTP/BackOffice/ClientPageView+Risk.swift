import AtriumCompliance
import AtriumIdentity
import AtriumStorage
import Foundation

extension ClientPageView {
    /// The client page's trading risk flags section (flags only for staff holding `aml.review`).
    static func riskFlags(_ client: UUID, permissions: Set<Permission>, tenant: TenantHandle, tenantDB: TenantDB,
                          t: [String: String]) async throws -> [String: Any] {
        guard permissions.contains(.amlReview) else { return ["canSeeRisk": false] }
        let flags = try await tenantDB.transaction(tenant) { tx in try await RiskFlags.of(client: client, in: tx) }
        return ["canSeeRisk": true, "riskFlags": flags.map { RiskFlagView.row($0, email: "", t: t, csrf: false) }]
    }
}
