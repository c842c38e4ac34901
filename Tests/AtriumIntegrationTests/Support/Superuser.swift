import AtriumHTTP
import AtriumStorage
import PostgresNIO

extension AppServices {
    /// Runs statements as the cluster superuser on this test's database, as an attacker or a
    /// careless operator with database access would (tampering and corruption tests).
    func asSuperuser(_ statements: [String]) async throws {
        let dbName = try DatabaseURL(parsing: config.databaseURL ?? "").database
        let su = PostgresClient(configuration: try await TestCluster.shared.superuserURL(database: dbName).clientConfiguration(poolSize: 1))
        try await su.runScoped {
            for statement in statements { try await su.query(PostgresQuery(unsafeSQL: statement)) }
        }
    }
}
