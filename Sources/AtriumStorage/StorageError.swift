import PostgresNIO

/// Failures of the storage layer, worded for operators; none carries SQL text or row data.
public enum StorageError: Error, CustomStringConvertible, Equatable {
    case unknownTenant(String)
    case invalidIdentifier(String)
    case migrationChecksumMismatch(scope: String, file: String)
    case migrationFailed(scope: String, file: String, reason: String)
    case migrationFileName(String)
    case embeddedPostgres(String)
    case databaseURL(String)
    /// COMMIT was answered with ROLLBACK: a statement had failed without its error being read.
    case transactionAborted

    public var description: String {
        switch self {
        case .unknownTenant(let t): "unknown tenant \(t)"
        case .invalidIdentifier(let n): "invalid SQL identifier \(n)"
        case let .migrationChecksumMismatch(scope, file):
            "migration \(file) (\(scope)) was edited after it was applied: its checksum no longer matches the recorded one. Add a new numbered migration instead of editing an applied one."
        case let .migrationFailed(scope, file, reason): "migration \(file) failed for \(scope): \(reason)"
        case .migrationFileName(let f): "migration file \(f): expected a name like 0001_description.sql"
        case .embeddedPostgres(let m): "embedded PostgreSQL: \(m)"
        case .databaseURL(let m): "DATABASE_URL: \(m)"
        case .transactionAborted: "the transaction was rolled back: one of its statements failed (e.g. a deadlock) and nothing was committed"
        }
    }
}

extension Error {
    /// Unwraps `PostgresTransactionError` to the error that actually happened inside the closure.
    public var rootCause: any Error {
        if let tx = self as? PostgresTransactionError {
            if let inner = tx.closureError { return inner.rootCause }
            if let begin = tx.beginError { return begin }
            if let commit = tx.commitError { return commit }
        }
        return self
    }

    /// The PostgreSQL SQLSTATE of the underlying server error, if any (e.g. "42501" permission denied).
    public var sqlState: String? {
        (rootCause as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// The server's own message, for logs and operator CLI output only.
    public var serverMessage: String? {
        (rootCause as? PSQLError)?.serverInfo?[.message]
    }
}
