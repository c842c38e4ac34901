import Logging
import PostgresNIO

extension PostgresClient {
    /// BEGIN, `body`, COMMIT on a leased connection, like PostgresNIO's `withTransaction`, but a COMMIT
    /// that PostgreSQL answers with `ROLLBACK` throws `StorageError.transactionAborted`.
    ///
    /// PostgreSQL answers COMMIT with ROLLBACK, and no error, when a statement of the transaction
    /// already failed. That failure is lost when the statement's rows were never read: PostgresNIO
    /// hands back the row sequence once the row description arrives, and an error that comes later
    /// (a deadlock, a lock timeout, a failed check in a function) only reaches a reader of the rows.
    /// Without this check such a transaction would be reported as committed.
    func checkedTransaction<Result>(
        logger: Logger,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> sending Result
    ) async throws -> sending Result {
        try await withConnection(isolation: isolation) { conn in
            try await conn.query("BEGIN", logger: logger)
            let value: Result
            do {
                value = try await body(conn)
            } catch {
                _ = try? await conn.query("ROLLBACK", logger: logger)
                throw error
            }
            let outcome = try await conn.query("COMMIT", logger: logger).get().metadata.command
            guard outcome == "COMMIT" else { throw StorageError.transactionAborted }
            return value
        }
    }
}
