import Logging
import PostgresNIO

/// The application's connection pool. Platform data is reached through `platform(_:)`;
/// tenant data only through `TenantDB.transaction(_:_:)`.
public struct Database: Sendable {
    public let client: PostgresClient
    public let logger: Logger

    public init(url: DatabaseURL, poolSize: Int, logger: Logger) {
        self.client = PostgresClient(configuration: url.clientConfiguration(poolSize: poolSize), backgroundLogger: logger)
        self.logger = logger
    }

    /// A transaction on platform tables (registry, operators, jobs). Errors are unwrapped to their cause.
    @discardableResult
    public func platform<R: Sendable>(_ body: (PostgresConnection) async throws -> R) async throws -> R {
        do {
            return try await client.withTransaction(logger: logger) { conn in
                try await conn.query("SELECT set_config('search_path', 'platform', true)", logger: logger)
                return try await body(conn)
            }
        } catch {
            throw error.rootCause
        }
    }

    /// True when the database answers a trivial query.
    public func isReachable() async -> Bool {
        do {
            _ = try await client.query("SELECT 1", logger: logger).collect()
            return true
        } catch {
            return false
        }
    }
}
