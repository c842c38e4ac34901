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

    /// Background services ask for every brand every few seconds. At 10,000 brands a sorted copy
    /// per call was megabytes of garbage each time: the lists are now built once per load.
    @Test("all() and activeBrands() come from the load, in slug order, share the indexed records, and leave out a suspended brand")
    func listsAreBuiltOncePerLoad() async throws {
        try await TradeFixture.with("reglists") { f in
            let registry = TenantRegistry(database: f.s.database, platformDomain: "atrium.localhost")
            let all = try await registry.all()
            #expect(all.map(\.handle.slug) == all.map(\.handle.slug).sorted())
            let mine = try #require(all.first { $0.handle == f.handle })
            // One instance per brand: the lists and the indexes hold the same record.
            #expect(try await registry.tenant(slug: f.handle.slug) === mine)
            #expect(try await registry.tenant(id: f.handle.id) === mine)
            let active = try await registry.activeBrands()
            #expect(active.map(\.handle.slug) == all.filter { $0.isActive && $0.config != nil }.map(\.handle.slug))
            #expect(active.contains { $0.handle == f.handle && $0.config.slug.value == f.handle.slug })
            #expect(registry.loadCount == 1)

            // MUT: the brand is suspended
            try await f.s.database.platform { conn in
                try await conn.query("UPDATE platform.tenants SET status = 'suspended' WHERE id = \(f.handle.id)", logger: f.s.logger)
            }
            registry.invalidate()
            // validate: listed as suspended, no longer active (an unreadable config: CorruptValueTests)
            #expect(try await !registry.activeBrands().contains { $0.handle == f.handle })
            #expect(try await registry.all().first { $0.handle == f.handle }?.status == "suspended")
            #expect(registry.loadCount == 2)
        }
    }
}
