import Foundation
import PostgresNIO

/// Parses `postgres://user:password@host:port/database` into a client configuration.
public struct DatabaseURL: Sendable, Equatable {
    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String

    public init(user: String, password: String?, host: String, port: Int, database: String) {
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database
    }

    public init(parsing raw: String) throws {
        guard let comps = URLComponents(string: raw), ["postgres", "postgresql"].contains(comps.scheme ?? "") else {
            throw StorageError.databaseURL("expected postgres://user:password@host:port/database")
        }
        guard let user = comps.user, !user.isEmpty else { throw StorageError.databaseURL("missing user") }
        let db = comps.path.hasPrefix("/") ? String(comps.path.dropFirst()) : comps.path
        guard !db.isEmpty else { throw StorageError.databaseURL("missing database name") }
        self.init(user: user.removingPercentEncoding ?? user,
                  password: comps.password?.removingPercentEncoding,
                  host: comps.host ?? "127.0.0.1", port: comps.port ?? 5432, database: db)
    }

    /// The URL form, with the password percent-encoded.
    public var string: String {
        let pw = password.map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? ""
        return "postgres://\(user)\(pw)@\(host):\(port)/\(database)"
    }

    /// A PostgresNIO client configuration (TLS off: loopback or a private network behind PgBouncer).
    public func clientConfiguration(poolSize: Int) -> PostgresClient.Configuration {
        var config = PostgresClient.Configuration(host: host, port: port, username: user, password: password,
                                                  database: database, tls: .disable)
        config.options.maximumConnections = poolSize
        config.options.minimumConnections = 0
        return config
    }
}
