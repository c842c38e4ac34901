import AtriumBrandConfig
import AtriumCompliance
import AtriumKYC
import AtriumStorage
import Foundation

extension AppServices {
    /// Screens a client in the caller's transaction at the brand's threshold (registration, profile
    /// changes, KYC submission). A new hit puts the client in the KYC queue with `sanctions_hit`.
    @discardableResult
    func screen(client: UUID, brand: TenantConfig?, trigger: ScreeningTrigger, in tx: TenantTransaction) async throws -> [ScreeningHit] {
        let threshold = (brand?.complianceSettings ?? TenantConfig.Compliance()).resolvedScreeningThreshold
        return try await screening.screen(client: client, threshold: threshold, trigger: trigger, in: tx)
    }
}

/// The KYC pipeline's screening step, answered by the screening just run in the same transaction:
/// an open hit is a possible match (reason `sanctions_hit`), none is clear.
struct ScreenedHits: ScreeningProvider {
    let hits: [ScreeningHit]

    func screen(name: String, dateOfBirth: String?, country: String) async throws -> ScreeningResult {
        guard !hits.isEmpty else { return .clear }
        return .possibleMatch(hits.map { "\($0.source.uppercased()) \($0.entryRef) \($0.entryName) (\(String(format: "%.2f", $0.score)))" }
            .joined(separator: "; "))
    }
}
