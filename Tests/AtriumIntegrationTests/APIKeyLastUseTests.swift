import AtriumHTTP
import AtriumIdentity
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `last_used_at` is written by the key check at most once a minute per key, so a busy key does
/// not write its row on every request.
@Suite("API keys: last use written at most once a minute", .timeLimit(.minutes(3)))
struct APIKeyLastUseTests {
    @Test("3 requests within a minute write last_used_at once (same value, same row version); a use older than a minute is rewritten")
    func onceAMinute() async throws {
        try await APIKeyFixture.with { f, client in
            // setup
            let key = try await f.key(f.aurora, [.clientsRead])
            let id = key.id.uuidString.lowercased()
            #expect(try await f.value(f.aurora, "SELECT count(*)::int FROM api_keys WHERE id = '\(id)' AND last_used_at IS NULL") == 1)
            // MUT: the first request writes the use
            #expect(try await APIKeyFixture.api(client, "/api/v1/clients", token: key.token).status == .ok)
            let first = try #require(try await f.value(f.aurora, "SELECT last_used_at FROM api_keys WHERE id = '\(id)'", as: Date?.self) ?? nil)
            let version = try #require(try await f.value(f.aurora, "SELECT xmin::text FROM api_keys WHERE id = '\(id)'", as: String.self))
            for _ in 0..<2 { #expect(try await APIKeyFixture.api(client, "/api/v1/clients", token: key.token).status == .ok) }
            // validate: the row was not updated again
            #expect(try await f.value(f.aurora, "SELECT last_used_at FROM api_keys WHERE id = '\(id)'", as: Date?.self) == first)
            #expect(try await f.value(f.aurora, "SELECT xmin::text FROM api_keys WHERE id = '\(id)'", as: String.self) == version)
            #expect(abs(first.timeIntervalSinceNow) < 60)
            // a use two minutes old is replaced by the next request
            try await f.exec(f.aurora, "UPDATE api_keys SET last_used_at = now() - interval '2 minutes' WHERE id = '\(id)'")
            #expect(try await APIKeyFixture.api(client, "/api/v1/clients", token: key.token).status == .ok)
            let later = try #require(try await f.value(f.aurora, "SELECT last_used_at FROM api_keys WHERE id = '\(id)'", as: Date?.self) ?? nil)
            #expect(abs(later.timeIntervalSinceNow) < 60)
            // a refused request (no such key) writes nothing, and a revoked key's use is not recorded
            _ = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in try await APIKeys.revoke(id: key.id, actor: "test", requestID: "", in: tx) }
            try await f.exec(f.aurora, "UPDATE api_keys SET last_used_at = NULL WHERE id = '\(id)'")
            #expect(try await APIKeyFixture.api(client, "/api/v1/clients", token: key.token).status == .unauthorized)
            #expect(try await f.value(f.aurora, "SELECT count(*)::int FROM api_keys WHERE id = '\(id)' AND last_used_at IS NULL") == 1)
        }
    }
}
