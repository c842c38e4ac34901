import AtriumCore
import AtriumStorage
import AtriumTenancy
import Logging

extension ProductionChecks {
    /// Sandbox settings of brands already stored in the database, with the same rules as brand
    /// files; each problem names the brand slug, its tenant id, the field and the PSP or connection id.
    /// A stored config that does not decode is left to the registry (listed as `config_invalid`).
    public static func storedBrands(_ records: [TenantRecord]) -> [String] {
        records.flatMap { record in
            record.config.map { brand($0, file: "stored brand \(record.handle.slug) (tenant \(record.handle.id.uuidString.lowercased()))") } ?? []
        }
    }

    /// Reads every stored brand over a pool of its own, before any service of the server starts
    /// (the application's pool can run only once), and checks it; empty in development.
    public static func storedBrands(config: AppConfig, logger: Logger) async throws -> [String] {
        guard !config.isDevelopment, let raw = config.databaseURL else { return [] }
        let database = Database(url: try DatabaseURL(parsing: raw), poolSize: 1, logger: logger)
        let registry = TenantRegistry(database: database, platformDomain: config.platformDomain)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.run() }
            defer { group.cancelAll() }
            return storedBrands(try await registry.all())
        }
    }
}
