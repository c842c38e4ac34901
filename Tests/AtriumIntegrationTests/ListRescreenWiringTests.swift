import AtriumCompliance
import AtriumCore
import AtriumHTTP
import AtriumStorage
import Foundation
import HummingbirdTesting
import PostgresNIO
import Testing

/// The production wiring, with no test double: the index `makeServices` builds reads the current
/// list versions from `platform`, a console upload queues a rescreen job per brand, and the job records a hit explained by the real matcher.
@Suite("Sanctions wiring: console upload → rescreen job → hit from the real matcher and the stored list", .serialized, .timeLimit(.minutes(4)))
struct ListRescreenWiringTests {
    @Test("a client registered before the OFAC sample is loaded is found by the rescreen the upload queues (entry 10001, by reordered name)")
    func uploadQueuesRescreenThatFindsClient() async throws {
        let s = try await TestEnv.started("listwiring")
        try await TestEnv.applyBrands(["aurora"], to: s)
        try await Operators.upsert(email: "op@atrium.test", password: "operator-pass-1", services: s)
        let aurora = try #require(try await s.registry.tenant(slug: "aurora"))
        try await buildApplication(services: s).test(.router) { client in
            // Registered while no list is loaded: screened clear.
            _ = try await ScreeningFixture.register(client, name: "Oleg Vadimovich Zharovsky", email: "oleg@wiring.test", country: "CY")
            let id = try await ScreeningFixture.userID(s, aurora.handle, email: "oleg@wiring.test")
            #expect(try await ScreeningFixture.count(s, aurora.handle, "SELECT count(*)::int FROM screening_hits") == 0)

            let ops = FormClient(client, host: "ops.localhost:8080")
            #expect(try await ops.post("/login", ["email": "op@atrium.test", "password": "operator-pass-1"], csrfFrom: "/").status == .seeOther)
            let loaded = try await ConsoleListsTests.upload(client, ops, source: "ofac", files: try ListSampleFiles.ofac())
            #expect(loaded.status == .created)
            #expect(loaded.body.contains("Rescreen queued for brands: 1"))

            // One rescreen job for the brand, for the version just loaded.
            let version = try #require(try await SanctionListStore.versions(s.database).first { $0.status == "current" && $0.source == .ofac }).id
            let jobs = try await s.database.platform { conn in
                try await conn.query("SELECT count(*)::int FROM platform.jobs WHERE kind = 'screening.rescreen' AND tenant_id = \(aurora.handle.id) AND (payload->>'version')::uuid = \(version)",
                                     logger: s.logger).collect().first?.decode(Int.self)
            }
            #expect(jobs == 1)

            // What the job runs, on a fresh Screening service as another process would have it: it builds
            // its index from the platform tables because it does not hold the version yet.
            let other = Screening { NameMatchIndex(entries: try await SanctionListStore.current(s.database)) }
            try await other.rescreen(tenant: aurora.handle, version: version, threshold: 0.88, tenantDB: s.tenantDB, database: s.database)
            #expect(try await other.index().versions["ofac"] == version)

            let rows = try await s.tenantDB.transaction(aurora.handle) { tx in
                try await tx.query("SELECT entry_ref, trigger, status, score::float8, matched_name FROM screening_hits WHERE client_id = \(id)")
                    .collect().map { try $0.decode((String, String, String, Double, String).self) }
            }
            #expect(rows.count == 1)
            let hit = try #require(rows.first)
            #expect(hit.0 == "10001")
            #expect(hit.1 == "rescreen")
            #expect(hit.2 == "open")
            #expect(hit.3 >= 0.88)
            #expect(hit.4 == "ZHAROVSKY, Oleg Vadimovich")
            let run = try #require(try await Screening.runs(database: s.database).first { $0.tenant == aurora.handle.id && $0.version == version })
            #expect(run.total == 1 && run.done == 1 && run.hits == 1 && run.finishedAt != nil)
        }
    }
}
