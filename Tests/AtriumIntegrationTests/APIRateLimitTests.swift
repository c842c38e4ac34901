import AtriumBrandConfig
import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

/// The per-key rate limit is counted in PostgreSQL, so two server processes on one database
/// share it: a brand limit of 5 allows 5 requests of a key in a minute, whichever server answers.
@Suite("API rate limit across two servers", .timeLimit(.minutes(3)))
struct APIRateLimitTests {
    @Test("limit 5: 3 requests via server 1 and 2 via server 2 pass, the 6th (server 2) and 7th (server 1) are 429 with Retry-After; one window row, old ones deleted")
    func twoServers() async throws {
        // setup: two AppServices (two pools, registries, routers) on the same database
        let config = try await TestCluster.shared.freshEnvironment(name: "ratelimit")
        let one = try await makeServices(config: config, logger: TestCluster.logger)
        let two = try await makeServices(config: config, logger: TestCluster.logger)
        Task.detached { await one.database.run() }
        Task.detached { await two.database.run() }
        try await Migrator(database: one.database, migrations: one.migrations).migratePlatform()
        var brand = try TenantConfig.testBrand("aurora")
        brand.api = TenantConfig.APISettings(rateLimitPerMinute: 5)
        _ = try await one.provisioning.apply(brand, actor: "test")
        let aurora = try #require(try await two.registry.tenant(slug: "aurora"))
        #expect(aurora.config?.apiSettings.resolvedRateLimitPerMinute == 5)
        let (key, token, other) = try await one.tenantDB.transaction(aurora.handle) { tx in
            let a = try await APIKeys.create(name: "busy", scopes: APIScope.readOnly, createdBy: "test", in: tx)
            let b = try await APIKeys.create(name: "quiet", scopes: APIScope.readOnly, createdBy: "test", in: tx)
            // a window ten minutes old: the next request of this key deletes it
            try await tx.query("INSERT INTO api_rate_windows (key_id, window_start, count) VALUES (\(a.key.id), date_trunc('minute', now()) - interval '10 minutes', 99)")
            return (a.key.id, a.token, b.token)
        }
        // Keep the seven requests inside one fixed window.
        let second = Calendar(identifier: .gregorian).component(.second, from: Date())
        if second >= 45 { try await Task.sleep(for: .seconds(61 - second)) }
        // MUT
        let outcome = try await buildApplication(services: one).test(.router) { c1 in
            try await buildApplication(services: two).test(.router) { c2 in
                var statuses: [HTTPResponse.Status] = []
                var retryAfter: String?, contentType: String?, problem: [String] = []
                for client in [c1, c1, c1, c2, c2, c2, c1] {
                    let r = try await APIKeyFixture.api(client, "/api/v1/clients", token: token)
                    statuses.append(r.status)
                    if r.status == .tooManyRequests, retryAfter == nil {
                        retryAfter = r.headers[HTTPField.Name("Retry-After")!]
                        contentType = r.headers[.contentType]
                        problem = ["\(r.json["status"] as? Int ?? 0)", r.json["type"] as? String ?? ""]
                    }
                }
                // another key of the brand has its own count
                let otherKey = try await APIKeyFixture.api(c2, "/api/v1/clients", token: other).status
                return (statuses, retryAfter, contentType, problem, otherKey)
            }
        }
        // validate
        #expect(outcome.0 == [.ok, .ok, .ok, .ok, .ok, .tooManyRequests, .tooManyRequests])
        let retry = try #require(outcome.1.flatMap { Int($0) })
        #expect((1...60).contains(retry))
        #expect(outcome.2 == "application/problem+json")
        #expect(outcome.3 == ["429", "https://atrium.dev/problems/rate-limited"])
        #expect(outcome.4 == .ok)
        let rows = try await one.tenantDB.transaction(aurora.handle) { tx in
            try await tx.query("SELECT count FROM api_rate_windows WHERE key_id = \(key) ORDER BY window_start").collect().map { try $0.decode(Int.self) }
        }
        #expect(rows == [7])
    }
}
