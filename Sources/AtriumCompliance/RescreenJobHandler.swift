import AtriumBrandConfig
import AtriumStorage
import AtriumWork
import Foundation

/// Runs `screening.rescreen` jobs: one brand's clients against the current index, at the brand's threshold.
public struct RescreenJobHandler: JobHandler {
    let screening: Screening
    let tenantDB: TenantDB
    let database: Database
    let brand: @Sendable (UUID) async throws -> (TenantHandle, TenantConfig)?

    public init(screening: Screening, tenantDB: TenantDB, database: Database,
                brand: @escaping @Sendable (UUID) async throws -> (TenantHandle, TenantConfig)?) {
        self.screening = screening
        self.tenantDB = tenantDB
        self.database = database
        self.brand = brand
    }

    public var kinds: [String] { [ScreeningJobs.rescreen] }

    public func perform(_ job: Job) async throws {
        guard let tenantID = job.tenantID, let (handle, config) = try await brand(tenantID) else { throw JobTenantUnavailable(job.tenantID) }
        let version = try job.payload(ScreeningJobs.RescreenPayload.self).version
        try await screening.rescreen(tenant: handle, version: version, threshold: config.complianceSettings.resolvedScreeningThreshold,
                                     tenantDB: tenantDB, database: database)
    }
}
