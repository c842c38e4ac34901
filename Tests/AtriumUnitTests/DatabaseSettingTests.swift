import AtriumCore
import Testing

/// `ATRIUM_DB_POOLER` and `ATRIUM_DB_PREPARED_STATEMENTS` (AppConfig+Database.swift).
@Suite("Database pooler and prepared statements settings")
struct DatabaseSettingTests {
    @Test("straight to PostgreSQL by default, with named prepared statements on")
    func defaults() throws {
        let config = try AppConfig.fromEnvironment([:])
        #expect(config.databasePooler == .none)
        #expect(config.databasePreparedStatements)
    }

    @Test("a transaction pooler turns them off by default; one that keeps them leaves them on; off can always be asked for")
    func poolerDefaults() throws {
        let behind = try AppConfig.fromEnvironment(["ATRIUM_DB_POOLER": "transaction"])
        #expect(behind.databasePooler == .transaction)
        #expect(!behind.databasePreparedStatements)
        let keeping = try AppConfig.fromEnvironment(["ATRIUM_DB_POOLER": "transaction-prepared"])
        #expect(keeping.databasePooler == .transactionPrepared)
        #expect(keeping.databasePreparedStatements)
        #expect(try !AppConfig.fromEnvironment(["ATRIUM_DB_PREPARED_STATEMENTS": "off"]).databasePreparedStatements)
        #expect(try AppConfig.fromEnvironment(["ATRIUM_DB_POOLER": "none", "ATRIUM_DB_PREPARED_STATEMENTS": "ON"]).databasePreparedStatements)
    }

    @Test("on behind a pooler that cannot keep them is refused, naming the setting; unknown values name theirs")
    func refused() throws {
        #expect(throws: ConfigError.invalid(key: "ATRIUM_DB_PREPARED_STATEMENTS",
                                            expected: "off with ATRIUM_DB_POOLER=transaction (that pooler cannot keep named prepared statements; "
                                                + "use transaction-prepared for PgBouncer >= 1.21 with max_prepared_statements)",
                                            got: "on")) {
            _ = try AppConfig.fromEnvironment(["ATRIUM_DB_POOLER": "transaction", "ATRIUM_DB_PREPARED_STATEMENTS": "on"])
        }
        #expect(throws: ConfigError.invalid(key: "ATRIUM_DB_POOLER", expected: "none, transaction or transaction-prepared", got: "session")) {
            _ = try AppConfig.fromEnvironment(["ATRIUM_DB_POOLER": "session"])
        }
        #expect(throws: ConfigError.invalid(key: "ATRIUM_DB_PREPARED_STATEMENTS", expected: "on or off", got: "yes")) {
            _ = try AppConfig.fromEnvironment(["ATRIUM_DB_PREPARED_STATEMENTS": "yes"])
        }
    }
}
