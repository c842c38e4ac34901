import AtriumCore
import AtriumStorage
import AtriumWork
import Foundation
import PostgresNIO

/// The rescreen job: after a new list version is loaded, every brand's clients are screened again.
public enum ScreeningJobs {
    /// Job kind: rescreen one brand's clients against one list version.
    public static let rescreen = "screening.rescreen"

    /// Which list version the rescreen answers.
    public struct RescreenPayload: Codable, Sendable {
        public let version: UUID
    }
}

/// Progress of one brand's rescreen (`platform.rescreen_runs`), shown in the operator console.
public struct RescreenRun: Sendable, Equatable {
    public let version: UUID
    public let tenant: UUID
    public let tenantSlug: String
    public let total: Int
    public let done: Int
    public let hits: Int
    public let startedAt: Date
    public let finishedAt: Date?
}

extension Screening {
    /// Call after a list load commits: rebuilds the index (unless `reloadIndex` is false: a CLI process
    /// that will not screen), then records a run and enqueues a rescreen job for every active brand.
    /// Returns how many brands were queued. Idempotent per version.
    @discardableResult
    public func rescreenAll(version: UUID, database: Database, jobs: JobQueue, reloadIndex: Bool = true) async throws -> Int {
        if reloadIndex { try await reload() }
        let tenants: [UUID] = try await database.platform { conn in
            var out: [UUID] = []
            for try await id in try await conn.query("""
                INSERT INTO platform.rescreen_runs (version_id, tenant_id)
                SELECT \(version), id FROM platform.tenants WHERE status = 'active'
                ON CONFLICT (version_id, tenant_id) DO NOTHING RETURNING tenant_id
                """, logger: database.logger).decode(UUID.self) { out.append(id) }
            return out
        }
        let payload = try CanonicalJSON.text(ScreeningJobs.RescreenPayload(version: version))
        for tenant in tenants {
            try await jobs.enqueue(JobRequest(kind: ScreeningJobs.rescreen, payload: payload), tenant: tenant)
        }
        return tenants.count
    }

    /// Rescreens one brand's traders in batches, recording progress after each batch.
    public func rescreen(tenant: TenantHandle, version: UUID, threshold: Double, tenantDB: TenantDB, database: Database,
                         batchSize: Int = 200) async throws {
        // The list may have been loaded by another process (the CLI, another server): rebuild this
        // process's index when it does not hold the version this run answers.
        if try await !index().versions.values.contains(version) { try await reload() }
        // A run that already finished (the job ran twice, or by hand) is not repeated.
        if try await finished(database, version: version, tenant: tenant.id) { return }
        let clients = try await tenantDB.transaction(tenant) { tx in
            var out: [UUID] = []
            for try await id in try await tx.query("SELECT id FROM users WHERE audience = 'trader' ORDER BY id").decode(UUID.self) { out.append(id) }
            return out
        }
        try await progress(database, version: version, tenant: tenant.id, total: clients.count, done: 0, hits: 0, finished: false)
        var done = 0, hits = 0
        for start in stride(from: 0, to: clients.count, by: max(1, batchSize)) {
            let batch = clients[start..<min(clients.count, start + max(1, batchSize))]
            hits += try await tenantDB.transaction(tenant) { tx in
                // Counted per client: a client with at least one open hit after the rescreen.
                var found = 0
                for client in batch where !(try await screen(client: client, threshold: threshold, trigger: .rescreen, in: tx)).isEmpty {
                    found += 1
                }
                return found
            }
            done += batch.count
            try await progress(database, version: version, tenant: tenant.id, total: clients.count, done: done, hits: hits, finished: false)
        }
        try await progress(database, version: version, tenant: tenant.id, total: clients.count, done: done, hits: hits, finished: true)
    }

    /// Recent rescreen runs across brands, newest first.
    public static func runs(database: Database, limit: Int = 20) async throws -> [RescreenRun] {
        try await database.platform { conn in
            var out: [RescreenRun] = []
            for try await (version, tenant, slug, total, done, hits, started, finished) in try await conn.query("""
                SELECT r.version_id, r.tenant_id, t.slug, r.total, r.done, r.hits, r.started_at, r.finished_at
                FROM platform.rescreen_runs r JOIN platform.tenants t ON t.id = r.tenant_id
                ORDER BY r.started_at DESC, t.slug LIMIT \(limit)
                """, logger: database.logger).decode((UUID, UUID, String, Int, Int, Int, Date, Date?).self) {
                out.append(RescreenRun(version: version, tenant: tenant, tenantSlug: slug, total: total, done: done, hits: hits,
                                       startedAt: started, finishedAt: finished))
            }
            return out
        }
    }

    private func finished(_ database: Database, version: UUID, tenant: UUID) async throws -> Bool {
        try await database.platform { conn in
            try await conn.query("""
                SELECT count(*)::int FROM platform.rescreen_runs WHERE version_id = \(version) AND tenant_id = \(tenant) AND finished_at IS NOT NULL
                """, logger: database.logger).collect().first?.decode(Int.self) ?? 0
        } > 0
    }

    private func progress(_ database: Database, version: UUID, tenant: UUID, total: Int, done: Int, hits: Int, finished: Bool) async throws {
        try await database.platform { conn in
            _ = try await conn.query("""
                INSERT INTO platform.rescreen_runs (version_id, tenant_id, total, done, hits, finished_at)
                VALUES (\(version), \(tenant), \(total), \(done), \(hits), CASE WHEN \(finished) THEN now() END)
                ON CONFLICT (version_id, tenant_id) DO UPDATE
                SET total = EXCLUDED.total, done = EXCLUDED.done, hits = EXCLUDED.hits, finished_at = EXCLUDED.finished_at
                WHERE rescreen_runs.finished_at IS NULL   -- a finished run's figures never go back
                """, logger: database.logger).collect()   // wait for the command to complete before the connection is reused
        }
    }
}
