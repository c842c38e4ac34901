import Foundation
import Logging
import PostgresNIO
import Synchronization

/// A tenant as the registry knows it. Only registry code builds these, so a handle always names
/// a schema and role that exist (SET LOCAL search_path to a missing schema would succeed silently).
public struct TenantHandle: Sendable, Hashable {
    public let id: UUID
    public let slug: String
    public let schema: SQLIdentifier
    public let role: SQLIdentifier

    package init(id: UUID, slug: String, schema: SQLIdentifier, role: SQLIdentifier) {
        self.id = id
        self.slug = slug
        self.schema = schema
        self.role = role
    }
}

/// A background job requested inside a tenant transaction; written with the same commit.
public struct JobRequest: Sendable, Equatable {
    public var kind: String
    public var payload: String
    public var delaySeconds: Int

    public init(kind: String, payload: String, delaySeconds: Int = 0) {
        self.kind = kind
        self.payload = payload
        self.delaySeconds = delaySeconds
    }
}

/// The connection inside a tenant transaction, already switched to the tenant's role and schema.
public final class TenantTransaction: Sendable {
    package let connection: PostgresConnection
    public let tenant: TenantHandle
    public let logger: Logger
    /// Whether `execute(_:)` may send a named prepared statement (`Database.preparedStatements`).
    public let preparedStatements: Bool
    private let pendingJobs = Mutex<[JobRequest]>([])

    init(connection: PostgresConnection, tenant: TenantHandle, preparedStatements: Bool, logger: Logger) {
        self.connection = connection
        self.tenant = tenant
        self.preparedStatements = preparedStatements
        self.logger = logger
    }

    /// Runs one statement with bound parameters.
    @discardableResult
    public func query(_ query: PostgresQuery, file: String = #fileID, line: Int = #line) async throws -> PostgresRowSequence {
        try await connection.query(query, logger: logger, file: file, line: line)
    }

    /// Queues a job for this tenant; it becomes visible to workers only if the transaction commits.
    public func enqueue(_ job: JobRequest) {
        pendingJobs.withLock { $0.append(job) }
    }

    var takeJobs: [JobRequest] { pendingJobs.withLock { jobs in defer { jobs = [] }; return jobs } }
}

/// The one door to tenant data.
public struct TenantDB: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Runs `body` in a transaction that has `SET LOCAL ROLE <tenant role>` and
    /// `SET LOCAL search_path = <tenant schema>` applied, in one round trip after BEGIN.
    /// Inside `sharing(tenant)` it joins that request's transaction instead.
    @discardableResult
    public func transaction<R: Sendable>(_ tenant: TenantHandle, _ body: (TenantTransaction) async throws -> R) async throws -> R {
        if let shared = joinable(tenant) {
            do {
                return try await body(shared.tx)
            } catch {
                shared.markFailed()
                throw error.rootCause
            }
        }
        let logger = database.logger
        do {
            return try await database.client.checkedTransaction(logger: logger) { conn in
                let tx = try await Self.enter(conn, tenant, preparedStatements: database.preparedStatements, logger: logger)
                let result = try await body(tx)
                try await Self.flushJobs(tx)
                return result
            }
        } catch {
            throw error.rootCause
        }
    }

    /// Switches an open transaction into `tenant`'s role and schema. Also used by provisioning,
    /// which creates the schema and then works inside it within one transaction.
    package static func enter(_ conn: PostgresConnection, _ tenant: TenantHandle, preparedStatements: Bool, logger: Logger) async throws -> TenantTransaction {
        try await conn.run(EnterTenant(role: tenant.role.name, searchPath: tenant.schema.quoted), prepared: preparedStatements, logger: logger)
        return TenantTransaction(connection: conn, tenant: tenant, preparedStatements: preparedStatements, logger: logger)
    }

    /// Leaves the tenant role (back to the login role) for the rest of the transaction.
    package static func leave(_ conn: PostgresConnection, logger: Logger) async throws {
        try await conn.query("SELECT set_config('role', 'none', true), set_config('search_path', 'platform', true)", logger: logger)
    }

    /// Writes the jobs queued in `tx` to `platform.jobs` inside the same transaction. The tenant id
    /// comes from the handle, never from the tenant's own code, so a tenant cannot queue for another.
    public static func flushJobs(_ tx: TenantTransaction) async throws {
        let jobs = tx.takeJobs
        guard !jobs.isEmpty else { return }
        try await leave(tx.connection, logger: tx.logger)
        for job in jobs {
            try await tx.connection.query("""
                INSERT INTO platform.jobs (tenant_id, kind, payload, run_at)
                VALUES (\(tx.tenant.id), \(job.kind), \(job.payload)::jsonb, now() + make_interval(secs => \(job.delaySeconds)))
                """, logger: tx.logger)
        }
        // Delivered on commit: a listening worker claims the job within milliseconds.
        try await tx.connection.query("SELECT pg_notify(\(JobChannel.name), '')", logger: tx.logger)
    }
}

/// The `LISTEN/NOTIFY` channel that wakes job workers when a job is enqueued.
public enum JobChannel {
    public static let name = "atrium_jobs"
}
