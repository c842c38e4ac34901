import AtriumStorage
@testable import AtriumTenancy
import Foundation
import Testing

/// At start-up every service and `/ready` ask the registry at once; they must share one read of
/// `platform.tenants` (each read decodes every brand's config: at 1,000 brands, a fraction of a second).
@Suite("Registry loads are shared", .timeLimit(.minutes(3)))
struct RegistryLoadSharingTests {
    @Test("eight concurrent lookups on a cold registry read the database once; after invalidate, once more")
    func concurrentLookupsShareOneLoad() async throws {
        try await TradeFixture.with("regload") { f in
            // setup: a registry of its own, so other suites' lookups do not count
            let registry = TenantRegistry(database: f.s.database, platformDomain: "atrium.localhost")
            // MUT
            let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 { group.addTask { try await registry.all().count } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            // validate
            #expect(registry.loadCount == 1)
            #expect(counts.count == 8)
            #expect(Set(counts).count == 1)
            #expect(try await registry.tenant(slug: f.handle.slug)?.handle.id == f.handle.id)
            #expect(registry.loadCount == 1)
            registry.invalidate()
            _ = try await registry.all()
            #expect(registry.loadCount == 2)
        }
    }

    /// `tenant apply` checks every file for Back Office drift. That check used to drop the cache and
    /// reload every brand per file: at 6,500 brands, minutes per batch of 50 files.
    @Test("fresh(slug:) reads the one tenant as stored now, without loading the registry")
    func freshReadsOneTenant() async throws {
        try await TradeFixture.with("regfresh") { f in
            let registry = TenantRegistry(database: f.s.database, platformDomain: "atrium.localhost")
            #expect(try await registry.tenant(slug: f.handle.slug)?.status == "active")
            #expect(registry.loadCount == 1)
            // MUT: the stored row changes behind the cache
            try await f.s.database.platform { conn in
                try await conn.query("UPDATE platform.tenants SET status = 'suspended' WHERE id = \(f.handle.id)", logger: f.s.logger)
            }
            let fresh = try await registry.fresh(slug: f.handle.slug)
            // validate: the fresh read sees it, the cache was neither used nor reloaded
            #expect(fresh?.handle == f.handle)
            #expect(fresh?.status == "suspended")
            #expect(fresh?.config?.slug.value == f.handle.slug)
            #expect(try await registry.fresh(slug: "no-such-brand") == nil)
            #expect(registry.loadCount == 1)
            #expect(try await registry.tenant(slug: f.handle.slug)?.status == "active")
        }
    }
}
