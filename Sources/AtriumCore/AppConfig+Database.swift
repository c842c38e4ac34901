/// What sits between Atrium and PostgreSQL (`ATRIUM_DB_POOLER`); it decides what a server
/// connection may keep from one transaction to the next.
public enum DatabasePooler: String, Sendable, Equatable, CaseIterable {
    /// Straight to PostgreSQL: each client connection is one server session.
    case none
    /// A pooler in transaction mode that cannot keep named prepared statements
    /// (PgBouncer 1.18, Debian 12's; or PgBouncer ≥ 1.21 without `max_prepared_statements`).
    case transaction
    /// A pooler in transaction mode that keeps named prepared statements per client
    /// (PgBouncer ≥ 1.21 with `max_prepared_statements` > 0).
    case transactionPrepared = "transaction-prepared"

    /// Whether the pooler can keep a client's named prepared statements.
    public var keepsPreparedStatements: Bool { self != .transaction }
}

extension AppConfig {
    /// Reads `ATRIUM_DB_POOLER` and `ATRIUM_DB_PREPARED_STATEMENTS`. Prepared statements default to on
    /// unless the pooler cannot keep them; asking for them behind such a pooler is refused, because every
    /// request would then fail at random with "prepared statement … does not exist" or "… already exists".
    static func databaseSettings(_ env: [String: String]) throws -> (pooler: DatabasePooler, preparedStatements: Bool) {
        let rawPooler = (env["ATRIUM_DB_POOLER"] ?? "").lowercased()
        let pooler: DatabasePooler
        if rawPooler.isEmpty {
            pooler = .none
        } else if let known = DatabasePooler(rawValue: rawPooler) {
            pooler = known
        } else {
            throw ConfigError.invalid(key: "ATRIUM_DB_POOLER", expected: "none, transaction or transaction-prepared", got: rawPooler)
        }
        let rawPrepared = (env["ATRIUM_DB_PREPARED_STATEMENTS"] ?? "").lowercased()
        let prepared: Bool
        switch rawPrepared {
        case "": prepared = pooler.keepsPreparedStatements
        case "on": prepared = true
        case "off": prepared = false
        default: throw ConfigError.invalid(key: "ATRIUM_DB_PREPARED_STATEMENTS", expected: "on or off", got: rawPrepared)
        }
        if prepared && !pooler.keepsPreparedStatements {
            throw ConfigError.invalid(key: "ATRIUM_DB_PREPARED_STATEMENTS",
                                      expected: "off with ATRIUM_DB_POOLER=transaction (that pooler cannot keep named prepared statements; "
                                          + "use transaction-prepared for PgBouncer >= 1.21 with max_prepared_statements)",
                                      got: rawPrepared)
        }
        return (pooler, prepared)
    }
}
