import Foundation

/// Outcome of running tenant migrations over many schemas.
public struct TenantMigrationReport: Sendable {
    public var migrated: [String] = []
    public var upToDate: [String] = []
    public var failed: [(slug: String, reason: String)] = []
}

extension Migrator {
    /// Applies pending tenant migrations to every tenant, `concurrency` at a time. A failing tenant
    /// is reported and the rest carry on; every migration commits on its own, so a re-run resumes.
    public func migrateTenants(_ tenants: [TenantHandle], concurrency: Int,
                               progress: @escaping @Sendable (String) -> Void) async -> TenantMigrationReport {
        let tenantDB = TenantDB(database: database)
        let files = migrations.tenant
        let total = tenants.count
        var report = TenantMigrationReport()
        var current: [UUID] = []
        await withTaskGroup(of: (TenantHandle, Result<[String], any Error>).self) { group in
            var next = 0
            var done = 0
            func addNext() {
                guard next < tenants.count else { return }
                let tenant = tenants[next]
                next += 1
                group.addTask {
                    do {
                        // One transaction per tenant: its pending files apply together or not at all.
                        let applied = try await tenantDB.transaction(tenant) { tx in
                            try await Migrator.applyTenantMigrations(files, in: tx).map(\.label)
                        }
                        return (tenant, .success(applied))
                    } catch {
                        return (tenant, .failure(error))
                    }
                }
            }
            for _ in 0..<max(1, concurrency) { addNext() }
            while let (tenant, result) = await group.next() {
                done += 1
                if case .success = result { current.append(tenant.id) }
                switch result {
                case .success(let applied) where applied.isEmpty:
                    report.upToDate.append(tenant.slug)
                    progress("[\(done)/\(total)] \(tenant.schema.name) up to date")
                case .success(let applied):
                    report.migrated.append(tenant.slug)
                    progress("[\(done)/\(total)] \(tenant.schema.name) \(applied.joined(separator: ",")) ok")
                case .failure(let error):
                    let reason = "\(error)"
                    report.failed.append((tenant.slug, reason))
                    progress("[\(done)/\(total)] \(tenant.schema.name) FAILED: \(reason)")
                }
                addNext()
            }
        }
        let version = files.last?.version ?? 0
        do {
            try await database.platform { conn in
                try await conn.query("UPDATE platform.tenants SET schema_version = \(version), updated_at = now() WHERE id = ANY(\(current))", logger: database.logger)
                // Other server processes cache the registry; moving the generation makes them reload.
                try await conn.query("UPDATE platform.registry_state SET generation = generation + 1", logger: database.logger)
            }
        } catch {
            report.failed.append(("(registry)", "could not record schema versions: \(error)"))
        }
        return report
    }
}
