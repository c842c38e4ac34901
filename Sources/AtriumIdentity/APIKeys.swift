import AtriumCore
import AtriumStorage
import Crypto
import Foundation
import PostgresNIO

/// What an API key may do. The list is fixed; an operation names the one scope it needs.
public enum APIScope: String, Sendable, CaseIterable, Codable {
    case clientsRead = "clients:read"
    case clientsWrite = "clients:write"
    case kycRead = "kyc:read"
    case walletsRead = "wallets:read"
    case paymentsRead = "payments:read"
    case paymentsWrite = "payments:write"
    case tradingRead = "trading:read"
    case tradingWrite = "trading:write"
    case partnersRead = "partners:read"

    /// The read-only scopes (the demo's key has these).
    public static let readOnly: [APIScope] = [.clientsRead, .kycRead, .walletsRead, .paymentsRead, .tradingRead, .partnersRead]

    /// Parses a comma-separated list (`clients:read,payments:read`); an unknown scope is named.
    public static func parseList(_ text: String) throws(APIKeyError) -> [APIScope] {
        var out: [APIScope] = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            guard let scope = APIScope(rawValue: part) else { throw .unknownScope(part) }
            if !out.contains(scope) { out.append(scope) }
        }
        guard !out.isEmpty else { throw .noScopes }
        return out
    }
}

/// Why an API key cannot be made.
public enum APIKeyError: Error, Equatable, CustomStringConvertible {
    case unknownScope(String)
    case noScopes
    case badName

    public var description: String {
        switch self {
        case .unknownScope(let s): "unknown scope \"\(s)\" (known: \(APIScope.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .noScopes: "at least one scope is needed"
        case .badName: "the name must be 1 to 100 characters"
        }
    }
}

/// A secret bearer token: a kind prefix (`atr_` brand key, `atp_` operator key) and 256 random
/// bits in lowercase hex. Only its SHA-256 is stored.
public struct APIToken: Sendable {
    public let text: String

    public init(kind: String) {
        var bytes = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8.random(in: .min ... .max, using: &rng) }
        text = kind + Token.hex(bytes)
    }

    /// The stored digest of a presented token.
    public static func hash(_ token: String) -> Data { Data(SHA256.hash(data: Data(token.utf8))) }

    /// What lists show: the kind and the first 8 hex characters.
    public static func prefix(_ token: String) -> String { String(token.prefix(12)) }
}

/// One API key of a brand (`api_keys`); never the token itself.
public struct APIKey: Sendable, Equatable {
    public let id: UUID
    public let name: String
    public let prefix: String
    public let scopes: [APIScope]
    public let createdBy: String
    public let createdAt: Date
    public let lastUsedAt: Date?
    public let revokedAt: Date?

    public func allows(_ scope: APIScope) -> Bool { scopes.contains(scope) }
}

/// The brand's API keys, inside the brand's tenant transaction.
public enum APIKeys {
    /// The token kind of brand keys.
    public static let kind = "atr_"

    /// Makes a key and returns it with its token, which is never readable again.
    public static func create(name: String, scopes: [APIScope], createdBy: String, in tx: TenantTransaction) async throws -> (key: APIKey, token: String) {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(name.count) else { throw APIKeyError.badName }
        guard !scopes.isEmpty else { throw APIKeyError.noScopes }
        let token = APIToken(kind: kind).text
        let rows = try await tx.query("""
            INSERT INTO api_keys (name, prefix, token_hash, scopes, created_by)
            VALUES (\(name), \(APIToken.prefix(token)), \(APIToken.hash(token)), \(scopes.map(\.rawValue)), \(createdBy))
            RETURNING \(unescaped: columns)
            """).collect()
        guard let row = rows.first else { throw StorageError.unknownTenant(tx.tenant.slug) }
        return (try decode(row), token)
    }

    /// The live (not revoked) key with this token, or nil. Records the use in `last_used_at` at
    /// most once a minute, in the same statement (a data-modifying CTE), so a busy key costs no
    /// extra round trip and no write per request. Concurrent requests of one key serialise on the
    /// row lock and re-check the condition, so only one of them writes. The returned key shows
    /// `last_used_at` as it was before this request.
    public static func authenticate(token: String, in tx: TenantTransaction) async throws -> APIKey? {
        guard token.hasPrefix(kind) else { return nil }
        return try await tx.query("""
            WITH hit AS (SELECT \(unescaped: columns) FROM api_keys WHERE token_hash = \(APIToken.hash(token)) AND revoked_at IS NULL),
                 touched AS (UPDATE api_keys SET last_used_at = now() WHERE id IN (SELECT id FROM hit)
                             AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute') RETURNING id)
            SELECT \(unescaped: columns) FROM hit
            """).collect().first.map(decode)
    }

    /// Every key, newest first (revoked ones too).
    public static func list(in tx: TenantTransaction) async throws -> [APIKey] {
        try await tx.query("SELECT \(unescaped: columns) FROM api_keys ORDER BY created_at DESC, id").collect().map(decode)
    }

    static let columns = "id, name, prefix, scopes, created_by, created_at, last_used_at, revoked_at"

    static func decode(_ row: PostgresRow) throws -> APIKey {
        let (id, name, prefix, scopes, by, at, used, revoked) = try row.decode((UUID, String, String, [String], String, Date, Date?, Date?).self)
        return APIKey(id: id, name: name, prefix: prefix, scopes: scopes.compactMap(APIScope.init(rawValue:)), createdBy: by,
                      createdAt: at, lastUsedAt: used, revokedAt: revoked)
    }
}
