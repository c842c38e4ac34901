import AtriumStorage
import Foundation
import Logging
import PostgresNIO

/// A claimed job, handed to the handler registered for its kind.
public struct Job: Sendable {
    public let id: Int64
    public let tenantID: UUID?
    public let kind: String
    public let payload: String
    public let attempts: Int
}

/// The PostgreSQL job queue in `platform.jobs`. Workers claim with `FOR UPDATE SKIP LOCKED`, so any
/// number of server processes can share it; a claim is a lease, so a crashed worker's job returns.
public struct JobQueue: Sendable {
    public let database: Database
    /// How long a claim lasts before another worker may take the job again.
    public var leaseSeconds = 60

    public init(database: Database) {
        self.database = database
    }

    /// Enqueues a platform-level job (not tied to a tenant transaction).
    public func enqueue(_ job: JobRequest, tenant: UUID? = nil) async throws {
        try await database.platform { conn in
            try await conn.query("""
                INSERT INTO platform.jobs (tenant_id, kind, payload, run_at)
                VALUES (\(tenant), \(job.kind), \(job.payload)::jsonb, now() + make_interval(secs => \(job.delaySeconds)))
                """, logger: database.logger)
            // Delivered on commit: a listening worker claims the job within milliseconds.
            try await conn.query("SELECT pg_notify(\(JobChannel.name), '')", logger: database.logger)
        }
    }

    /// Claims the next due job of one of `kinds`, if any.
    public func claim(kinds: [String], worker: String) async throws -> Job? {
        try await database.platform { conn in try await claim(kinds: kinds, worker: worker, on: conn) }
    }

    /// Claims the next due job or, when none is due, says in how many seconds the next one falls
    /// due (nil: none waiting), in one transaction, so an idle worker sleeps until then and no longer.
    public func claimOrNextDue(kinds: [String], worker: String) async throws -> (job: Job?, dueInSeconds: Double?) {
        try await database.platform { conn in
            if let job = try await claim(kinds: kinds, worker: worker, on: conn) { return (job, nil) }
            let row = try await conn.query("""
                SELECT EXTRACT(EPOCH FROM min(GREATEST(run_at, COALESCE(locked_until, run_at))) - now())::float8 FROM platform.jobs
                WHERE done_at IS NULL AND failed_at IS NULL AND kind = ANY(\(kinds))
                """, logger: database.logger).collect().first
            return (nil, try row?.decode(Double?.self))
        }
    }

    private func claim(kinds: [String], worker: String, on conn: PostgresConnection) async throws -> Job? {
        let rows = try await conn.query("""
            UPDATE platform.jobs j SET attempts = j.attempts + 1, locked_by = \(worker),
                   locked_until = now() + make_interval(secs => \(leaseSeconds))
            WHERE j.id = (
                SELECT id FROM platform.jobs
                WHERE done_at IS NULL AND failed_at IS NULL AND run_at <= now()
                  AND (locked_until IS NULL OR locked_until < now()) AND kind = ANY(\(kinds))
                ORDER BY run_at, id
                FOR UPDATE SKIP LOCKED
                LIMIT 1)
            RETURNING j.id, j.tenant_id, j.kind, j.payload::text, j.attempts
            """, logger: database.logger).collect()
        guard let row = rows.first else { return nil }
        let (id, tenant, kind, payload, attempts) = try row.decode((Int64, UUID?, String, String, Int).self)
        return Job(id: id, tenantID: tenant, kind: kind, payload: payload, attempts: attempts)
    }

    public func complete(_ job: Job) async throws {
        try await database.platform { conn in
            try await conn.query("UPDATE platform.jobs SET done_at = now(), locked_until = NULL WHERE id = \(job.id)", logger: database.logger)
        }
    }

    /// Records a failure: retried later with exponential backoff, or marked failed after the last
    /// attempt (at once when `permanent`).
    public func fail(_ job: Job, error: String, permanent: Bool = false) async throws {
        let backoff = min(3600, 1 << min(job.attempts, 12))
        try await database.platform { conn in
            try await conn.query("""
                UPDATE platform.jobs SET last_error = \(String(error.prefix(500))), locked_until = NULL,
                       run_at = now() + make_interval(secs => \(backoff)),
                       failed_at = CASE WHEN attempts >= max_attempts OR \(permanent) THEN now() END
                WHERE id = \(job.id)
                """, logger: database.logger)
        }
    }
}
