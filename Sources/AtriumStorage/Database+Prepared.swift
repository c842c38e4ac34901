import Logging
import PostgresNIO

// Named prepared statements (`ATRIUM_DB_PREPARED_STATEMENTS`). A hot query is written once as a
// `PostgresPreparedStatement` and sent through `rows(_:prepared:)`: with the setting on, PostgresNIO
// prepares it once per server connection and later sends only Bind/Execute; with it off (behind a
// pooler that cannot keep them), the same SQL and binds go as the unnamed statement, as `query()` does.
// PostgreSQL re-parses a prepared statement when search_path differs from the one it was planned with,
// so one statement prepared on a connection serves every tenant that connection is lent to.

extension PostgresConnection {
    /// Runs `statement`, as a named prepared statement when `prepared`, else as the unnamed statement.
    package func rows<Statement: PostgresPreparedStatement>(_ statement: Statement, prepared: Bool, logger: Logger,
                                                             file: String = #fileID, line: Int = #line)
        async throws -> AsyncThrowingMapSequence<PostgresRowSequence, Statement.Row> {
        if prepared { return try await execute(statement, logger: logger, file: file, line: line) }
        let query = PostgresQuery(unsafeSQL: Statement.sql, binds: try statement.makeBindings())
        return try await self.query(query, logger: logger, file: file, line: line).map { try statement.decodeRow($0) }
    }

    /// Runs `statement` for its effect, reading (and dropping) whatever rows it returns.
    package func run<Statement: PostgresPreparedStatement>(_ statement: Statement, prepared: Bool, logger: Logger,
                                                            file: String = #fileID, line: Int = #line) async throws {
        for try await _ in try await rows(statement, prepared: prepared, logger: logger, file: file, line: line) {}
    }
}

extension TenantTransaction {
    /// Runs a hot query of the tenant's code, as a named prepared statement when the database allows it.
    public func execute<Statement: PostgresPreparedStatement>(_ statement: Statement, file: String = #fileID, line: Int = #line)
        async throws -> AsyncThrowingMapSequence<PostgresRowSequence, Statement.Row> {
        try await connection.rows(statement, prepared: preparedStatements, logger: logger, file: file, line: line)
    }
}

/// The first statement of every tenant transaction: the tenant's role and schema, both local to it.
struct EnterTenant: PostgresPreparedStatement {
    static let sql = "SELECT set_config('role', $1, true), set_config('search_path', $2, true)"
    typealias Row = (String, String)
    let role: String
    let searchPath: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(role)
        bindings.append(searchPath)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// The first statement of every platform transaction.
struct EnterPlatform: PostgresPreparedStatement {
    static let sql = "SELECT set_config('search_path', 'platform', true)"
    typealias Row = String

    func makeBindings() throws -> PostgresBindings { PostgresBindings() }
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(String.self) }
}
