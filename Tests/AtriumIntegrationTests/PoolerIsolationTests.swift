import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import Foundation
import PostgresNIO
import Synchronization
import Testing

/// What one tenant transaction saw, checked by content against the brand it was opened for.
private struct Sighting: Sendable {
    let client: Int
    let backend: Int32
    let slug: String
    let wrong: Int
}

/// Tenant isolation with many client connections: run straight to PostgreSQL, and again through
/// PgBouncer in transaction mode by `./ops/test` (`ATRIUM_TEST_PGBOUNCER=1`), where 32 client
/// connections share a few server connections and each server connection serves every brand in turn.
@Suite("Pooler isolation: 32 connections, 3 brands, checked by content", .serialized, .timeLimit(.minutes(3)))
struct PoolerIsolationTests {
    static let workers = 32
    static let rounds = 40
    static let tradersPerBrand = 10

    @Test("1,280 tenant transactions over 32 connections read only their own brand's markers, role and schema")
    func concurrentTenantsReadOnlyTheirOwnRows() async throws {
        try await TestEnv.with("poolerisol", environment: ["ATRIUM_POOL_SIZE": "\(Self.workers)"]) { s in
            // setup: three brands; each brand's traders carry the brand's marker, one has a live session
            var brands: [(handle: TenantHandle, marker: String, token: String, email: String)] = []
            for prefix in ["p", "q", "r"] {
                let t = try await s.makeTenant(prefix)
                let marker = "marker-" + t.handle.slug
                let email = "session@\(t.handle.slug).test"
                let token = try await s.tenantDB.transaction(t.handle) { tx in
                    for i in 0..<Self.tradersPerBrand - 1 {
                        _ = try await Users.create(audience: .trader, email: "t\(i)@\(t.handle.slug).test", name: marker, passwordHash: nil, in: tx)
                    }
                    let id = try #require(try await Users.create(audience: .trader, email: email, name: marker, passwordHash: nil, in: tx))
                    return try await Sessions.create(user: id, audience: .trader, ip: "127.0.0.1", userAgent: "pooler-test", replacing: nil, in: tx)
                }
                brands.append((t.handle, marker, token, email))
            }
            let targets = brands

            // MUT: 32 workers, each opening 40 tenant transactions, brands rotating per worker and round
            let sightings = try await withThrowingTaskGroup(of: [Sighting].self) { group in
                for worker in 0..<Self.workers {
                    group.addTask {
                        var seen: [Sighting] = []
                        for round in 0..<Self.rounds {
                            let brand = targets[(worker + round) % targets.count]
                            seen.append(try await s.tenantDB.transaction(brand.handle) { tx in
                                let (user, path, backend) = try #require(try await tx.query(
                                    "SELECT current_user::text, current_setting('search_path'), pg_backend_pid()").collect().first?
                                    .decode((String, String, Int32).self))
                                let names = try await tx.query("SELECT name FROM users WHERE audience = 'trader'").collect().map { try $0.decode(String.self) }
                                let session = try await Sessions.user(token: brand.token, audience: .trader, in: tx)
                                var wrong = names.filter { $0 != brand.marker }.count + abs(names.count - Self.tradersPerBrand)
                                if user != brand.handle.role.name { wrong += 1 }
                                if path != brand.handle.schema.quoted { wrong += 1 }
                                if session?.email != brand.email { wrong += 1 }
                                return Sighting(client: tx.connection.id, backend: backend, slug: brand.handle.slug, wrong: wrong)
                            })
                        }
                        return seen
                    }
                }
                var all: [Sighting] = []
                for try await part in group { all += part }
                return all
            }

            // validate
            #expect(sightings.count == Self.workers * Self.rounds)
            #expect(sightings.reduce(0) { $0 + $1.wrong } == 0)
            // 1,280 = 427 + 427 + 426: each brand had its share of the transactions
            #expect(targets.map { b in sightings.filter { $0.slug == b.handle.slug }.count }.sorted() == [426, 427, 427])
            let clients = Set(sightings.map(\.client))
            let backends = Set(sightings.map(\.backend))
            var brandsPerBackend: [Int32: Set<String>] = [:]
            for x in sightings { brandsPerBackend[x.backend, default: []].insert(x.slug) }
            // The risk under test is real only if server connections went from one brand to another.
            #expect(brandsPerBackend.values.contains { $0.count == 3 })
            print("pooler isolation: \(sightings.count) transactions, \(clients.count) client connections, \(backends.count) server backends, pgbouncer=\(TestBouncer.enabled)")
            if TestBouncer.enabled {
                // Through PgBouncer the clients outnumber the server connections it may open for this database.
                #expect(backends.count <= TestBouncer.poolSize + TestBouncer.reservePoolSize)
                #expect(clients.count > TestBouncer.poolSize + TestBouncer.reservePoolSize)
            }
        }
    }
}
