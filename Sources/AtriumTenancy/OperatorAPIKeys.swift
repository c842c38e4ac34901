import AtriumIdentity
import AtriumStorage
import Foundation
import PostgresNIO

/// What an operator API key may do on the provisioning API.
public enum OperatorScope: String, Sendable, CaseIterable {
    case tenantsRead = "tenants:read"
    case tenantsWrite = "tenants:write"

    /// Parses a comma-separated list; an unknown scope is named.
    public static func parseList(_ text: String) throws(OperatorKeyError) -> [OperatorScope] {
        var out: [OperatorScope] = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            guard let scope = OperatorScope(rawValue: part) else { throw .unknownScope(part) }
            if !out.contains(scope) { out.append(scope) }
        }
        guard !out.isEmpty else { throw .noScopes }
        return out
    }
}

/// Why an operator key cannot be made.
public enum OperatorKeyError: Error, Equatable, CustomStringConvertible {
    case unknownScope(String)
    case noScopes
    case badName
    case ambiguous(String)

    public var description: String {
        switch self {
        case .unknownScope(let s): "unknown scope \"\(s)\" (known: \(OperatorScope.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .noScopes: "at least one scope is needed"
        case .badName: "the name must be 1 to 100 characters"
        case .ambiguous(let r): "\"\(r)\" matches more than one live key; give the key's id"
        }
    }
}

/// One operator API key (`platform.operator_api_keys`); never the token itself.
public struct OperatorAPIKey: Sendable, Equatable {
    public let id: UUID
    public let name: String
    public let prefix: String
    public let scopes: [OperatorScope]
    public let createdBy: String
    public let createdAt: Date
    public let lastUsedAt: Date?
    public let revokedAt: Date?

    public func allows(_ scope: OperatorScope) -> Bool { scopes.contains(scope) }
}

/// Operator API keys, in `platform`.
public enum OperatorAPIKeys {
    /// The token kind of operator keys.
    public static let kind = "atp_"

    /// Makes a key and returns it with its token, which is never readable again.
    public static func create(name: String, scopes: [OperatorScope], createdBy: String, database: Database) async throws -> (key: OperatorAPIKey, token: String) {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(name.count) else { throw OperatorKeyError.badName }
        guard !scopes.isEmpty else { throw OperatorKeyError.noScopes }
        let token = APIToken(kind: kind).text
        let key = try await database.platform { conn in
            try await conn.query("""
                INSERT INTO platform.operator_api_keys (name, prefix, token_hash, scopes, created_by)
                VALUES (\(name), \(APIToken.prefix(token)), \(APIToken.hash(token)), \(scopes.map(\.rawValue)), \(createdBy))
                RETURNING \(unescaped: columns)
                """, logger: database.logger).collect().first.map(decode)
        }
        guard let key else { throw OperatorKeyError.badName }
        return (key, token)
    }

    /// The live (not revoked) operator key with this token, or nil.
    public static func authenticate(token: String, database: Database) async throws -> OperatorAPIKey? {
        guard token.hasPrefix(kind) else { return nil }
        return try await database.platform { conn in
            try await conn.query("""
                SELECT \(unescaped: columns) FROM platform.operator_api_keys WHERE token_hash = \(APIToken.hash(token)) AND revoked_at IS NULL
                """, logger: database.logger).collect().first.map(decode)
        }
    }

    /// Every operator key, newest first (revoked ones too, with the time).
    public static func list(database: Database) async throws -> [OperatorAPIKey] {
        try await database.platform { conn in
            try await conn.query("SELECT \(unescaped: columns) FROM platform.operator_api_keys ORDER BY created_at DESC, id",
                                 logger: database.logger).collect().map(decode)
        }
    }

    /// Revokes the live key whose id or shown prefix (`atp_` and 8 characters) is `reference`;
    /// returns it, or nil when no live key matches. A prefix that two live keys share is refused.
    public static func revoke(_ reference: String, database: Database) async throws -> OperatorAPIKey? {
        let id = UUID(uuidString: reference)
        return try await database.platform { conn in
            let matches = try await conn.query("""
                SELECT id FROM platform.operator_api_keys
                WHERE revoked_at IS NULL AND (id = \(id) OR prefix = \(reference))
                """, logger: database.logger).collect().map { try $0.decode(UUID.self) }
            guard !matches.isEmpty else { return nil }
            guard matches.count == 1 else { throw OperatorKeyError.ambiguous(reference) }
            return try await conn.query("""
                UPDATE platform.operator_api_keys SET revoked_at = now() WHERE id = \(matches[0]) RETURNING \(unescaped: columns)
                """, logger: database.logger).collect().first.map(decode)
        }
    }

    static let columns = "id, name, prefix, scopes, created_by, created_at, last_used_at, revoked_at"

    static func decode(_ row: PostgresRow) throws -> OperatorAPIKey {
        let (id, name, prefix, scopes, by, at, used, revoked) = try row.decode((UUID, String, String, [String], String, Date, Date?, Date?).self)
        return OperatorAPIKey(id: id, name: name, prefix: prefix, scopes: scopes.compactMap(OperatorScope.init(rawValue:)), createdBy: by,
                              createdAt: at, lastUsedAt: used, revokedAt: revoked)
    }
}
