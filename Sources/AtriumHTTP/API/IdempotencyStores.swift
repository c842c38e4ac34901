import AtriumStorage
import AtriumTenancy
import Foundation
import PostgresNIO

/// The row an earlier request with the same key left.
private typealias StoredRow = (hash: Data, status: Int?, contentType: String?, body: Data?, completedAt: Date?)

/// Reads what a stored row means for a request with `hash`.
private func outcome(_ row: StoredRow?, hash: Data) -> IdempotencyClaim? {
    guard let row else { return nil }
    guard row.hash == hash else { return .mismatch }
    guard row.completedAt != nil, let status = row.status else { return .running }
    return .completed(IdempotentAnswer(status: status, contentType: row.contentType, body: row.body ?? Data()))
}

/// A brand API key's idempotency rows (`api_idempotency` in the brand's schema).
struct BrandIdempotencyStore: IdempotencyStore {
    let tenantDB: TenantDB
    let tenant: TenantHandle
    let keyID: UUID

    /// The store of the brand key calling now (`APIPrincipal.current`).
    static func current(_ services: AppServices) throws -> BrandIdempotencyStore {
        guard let principal = APIPrincipal.current else { throw APIProblem.unauthorized() }
        return BrandIdempotencyStore(tenantDB: services.tenantDB, tenant: principal.tenant.handle, keyID: principal.key.id)
    }

    func claim(key: String, method: String, path: String, hash: Data) async throws -> IdempotencyClaim {
        // Two tries: a row released between the insert and the read is simply claimed again.
        for _ in 0..<2 {
            let result = try await tenantDB.transaction(tenant) { tx -> IdempotencyClaim? in
                // Expiry rides on the claim: one indexed delete, nothing to schedule.
                try await tx.query("DELETE FROM api_idempotency WHERE created_at < now() - interval '24 hours'")
                let inserted = try await tx.query("""
                    INSERT INTO api_idempotency (key_id, idempotency_key, method, path, request_hash)
                    VALUES (\(keyID), \(key), \(method), \(path), \(hash)) ON CONFLICT DO NOTHING RETURNING 1
                    """).collect()
                if !inserted.isEmpty { return .claimed }
                let row = try await tx.query("""
                    SELECT request_hash, status, content_type, body, completed_at FROM api_idempotency
                    WHERE key_id = \(keyID) AND idempotency_key = \(key)
                    """).collect().first?.decode((Data, Int?, String?, Data?, Date?).self)
                return outcome(row.map { StoredRow($0.0, $0.1, $0.2, $0.3, $0.4) }, hash: hash)
            }
            if let result { return result }
        }
        return .running
    }

    func complete(key: String, answer: IdempotentAnswer) async throws {
        try await tenantDB.transaction(tenant) { tx in
            try await tx.query("""
                UPDATE api_idempotency SET status = \(answer.status), content_type = \(answer.contentType), body = \(answer.body), completed_at = now()
                WHERE key_id = \(keyID) AND idempotency_key = \(key)
                """)
        }
    }

    func release(key: String) async throws {
        try await tenantDB.transaction(tenant) { tx in
            try await tx.query("DELETE FROM api_idempotency WHERE key_id = \(keyID) AND idempotency_key = \(key)")
        }
    }
}

/// An operator key's idempotency rows (`platform.operator_api_idempotency`).
struct PlatformIdempotencyStore: IdempotencyStore {
    let database: Database
    let keyID: UUID

    /// The store of the operator key calling now (`OperatorPrincipal.current`).
    static func current(_ services: AppServices) throws -> PlatformIdempotencyStore {
        guard let principal = OperatorPrincipal.current else { throw APIProblem.unauthorized() }
        return PlatformIdempotencyStore(database: services.database, keyID: principal.key.id)
    }

    func claim(key: String, method: String, path: String, hash: Data) async throws -> IdempotencyClaim {
        let logger = database.logger
        for _ in 0..<2 {
            let result = try await database.platform { conn -> IdempotencyClaim? in
                // Expiry of this key's old rows rides on the claim (the primary key's prefix finds them).
                try await conn.query("""
                    DELETE FROM platform.operator_api_idempotency WHERE key_id = \(keyID) AND created_at < now() - interval '24 hours'
                    """, logger: logger)
                let inserted = try await conn.query("""
                    INSERT INTO platform.operator_api_idempotency (key_id, idempotency_key, method, path, request_hash)
                    VALUES (\(keyID), \(key), \(method), \(path), \(hash)) ON CONFLICT DO NOTHING RETURNING 1
                    """, logger: logger).collect()
                if !inserted.isEmpty { return .claimed }
                let row = try await conn.query("""
                    SELECT request_hash, status, content_type, body, completed_at FROM platform.operator_api_idempotency
                    WHERE key_id = \(keyID) AND idempotency_key = \(key)
                    """, logger: logger).collect().first?.decode((Data, Int?, String?, Data?, Date?).self)
                return outcome(row.map { StoredRow($0.0, $0.1, $0.2, $0.3, $0.4) }, hash: hash)
            }
            if let result { return result }
        }
        return .running
    }

    func complete(key: String, answer: IdempotentAnswer) async throws {
        try await database.platform { conn in
            try await conn.query("""
                UPDATE platform.operator_api_idempotency
                SET status = \(answer.status), content_type = \(answer.contentType), body = \(answer.body), completed_at = now()
                WHERE key_id = \(keyID) AND idempotency_key = \(key)
                """, logger: database.logger)
        }
    }

    func release(key: String) async throws {
        try await database.platform { conn in
            try await conn.query("DELETE FROM platform.operator_api_idempotency WHERE key_id = \(keyID) AND idempotency_key = \(key)",
                                 logger: database.logger)
        }
    }
}
