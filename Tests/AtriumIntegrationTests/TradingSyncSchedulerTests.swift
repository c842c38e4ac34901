import AtriumBrandConfig
import AtriumHTTP
import AtriumStorage
import AtriumTenancy
import AtriumTrading
import Foundation
import Synchronization
import Testing

/// Platform sync is one scheduler over all connections: at most K passes at once, a failing
/// connection backs off alone, and a removed connection is not synced again. The sandbox trading
/// server is reached over real HTTP through a proxy that counts the calls.
@Suite("Trading sync scheduler", .timeLimit(.minutes(3)))
struct TradingSyncSchedulerTests {
    /// The brands the scheduler sees; a test removes one while it runs.
    final class Brands: TradingBrands {
        let list: Mutex<[(handle: TenantHandle, config: TenantConfig)]>
        init(_ list: [(handle: TenantHandle, config: TenantConfig)]) { self.list = Mutex(list) }
        func activeBrands() async throws -> [(handle: TenantHandle, config: TenantConfig)] { list.withLock { $0 } }
        func brand(slug: String) async throws -> TenantConfig? { list.withLock { $0.first { $0.config.slug.value == slug }?.config } }
        func remove(_ slug: String) { list.withLock { $0.removeAll { $0.config.slug.value == slug } } }
    }

    /// `count` brands, each with Kite's Match-Trader sandbox connection and its own API key `key-<i>`.
    static func brands(_ s: AppServices, count: Int) async throws -> [(handle: TenantHandle, config: TenantConfig)] {
        let kite = try TenantConfig.testBrand("kite")
        var out: [(handle: TenantHandle, config: TenantConfig)] = []
        for i in 0..<count {
            let record = try await s.makeTenant("sync")
            var config = try #require(record.config)
            var connection = try #require(kite.platforms?.first)
            connection.apiKey = "env:IDLE_SYNC_KEY_\(i)"
            config.platforms = [connection]
            out.append((record.handle, config))
        }
        return out
    }

    static func environment(proxy: String, count: Int) -> [String: String] {
        var env = ["ATRIUM_SANDBOX_PLATFORM_URL": proxy, "ATRIUM_PLATFORM_TIMEOUT_SECONDS": "5"]
        for i in 0..<count { env["IDLE_SYNC_KEY_\(i)"] = "key-\(i)" }
        return env
    }

    /// Runs the scheduler for the length of `body`.
    static func running<R: Sendable>(_ service: TradingSyncService, _ body: @Sendable () async throws -> R) async throws -> R {
        try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask { try await service.run(); return nil }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    static func withProxy<R: Sendable>(delay: Duration, _ body: @Sendable (CountingPlatformProxy, String) async throws -> R) async throws -> R {
        try await SandboxPlatformHarness.with { sandbox in
            let proxy = CountingPlatformProxy(target: sandbox.url, delay: delay, sandboxKey: SandboxPlatformKeys.matchTraderAPIKey)
            return try await proxy.serve { url in try await body(proxy, url) }
        }
    }

    static func status(_ s: AppServices, _ handle: TenantHandle) async throws -> String? {
        try await s.tenantDB.transaction(handle) { tx in
            try await tx.query("SELECT status FROM trading_sync").collect().first?.decode(String.self)
        }
    }

    static func succeeded(_ s: AppServices, _ handle: TenantHandle) async throws -> Bool {
        try await s.tenantDB.transaction(handle) { tx in
            try await tx.query("SELECT last_success_at IS NOT NULL FROM trading_sync").collect().first?.decode(Bool.self) ?? false
        }
    }

    @Test("six connections with a limit of two: never more than two platform calls at once, every connection synced")
    func concurrencyLimit() async throws {
        try await Self.withProxy(delay: .milliseconds(150)) { proxy, url in
            try await TestEnv.with("syncmax", environment: Self.environment(proxy: url, count: 6)) { s in
                let list = try await Self.brands(s, count: 6)
                let brands = Brands(list)
                let service = TradingSyncService(trading: s.trading, registry: brands, interval: .milliseconds(500), maxInterval: .milliseconds(500), concurrency: 2, logger: s.logger)
                try await Self.running(service) {
                    // Every connection completes a pass (the sandbox's deals take several pages at
                    // first) and then is called again.
                    try await JobWakeupTests.expectEventually(60) {
                        for (handle, _) in list {
                            if try await !Self.succeeded(s, handle) { return false }
                        }
                        return true
                    }
                    let after = (0..<6).map { proxy.calls("key-\($0)") }
                    try await JobWakeupTests.expectEventually(30) { (0..<6).allSatisfy { proxy.calls("key-\($0)") > after[$0] } }
                }
                #expect(proxy.maxInFlight == 2)
            }
        }
    }

    @Test("a failing connection backs off alone: with one slot the others keep their interval")
    func failingConnectionDoesNotDelayOthers() async throws {
        try await Self.withProxy(delay: .milliseconds(20)) { proxy, url in
            try await TestEnv.with("syncfail", environment: Self.environment(proxy: url, count: 3)) { s in
                let list = try await Self.brands(s, count: 3)
                let brands = Brands(list)
                proxy.fail("key-0")
                let service = TradingSyncService(trading: s.trading, registry: brands, interval: .milliseconds(500), maxInterval: .milliseconds(500), concurrency: 1, logger: s.logger)
                try await Self.running(service) {
                    try await JobWakeupTests.expectEventually(20) { proxy.calls("key-1") >= 8 && proxy.calls("key-2") >= 8 }
                }
                // The failing connection was tried, recorded as unavailable, and then waited out
                // its backoff (10 s after the first failure) while the others ran every 0.5 s.
                #expect(proxy.calls("key-0") >= 1)
                #expect(proxy.calls("key-0") <= 2)
                #expect(try await Self.status(s, list[0].handle) == "unavailable")
                #expect(try await Self.status(s, list[1].handle) == "ok")
            }
        }
    }

    @Test("a connection removed from the registry is not synced again; the others carry on")
    func removedConnectionStops() async throws {
        try await Self.withProxy(delay: .milliseconds(10)) { proxy, url in
            try await TestEnv.with("syncdrop", environment: Self.environment(proxy: url, count: 2)) { s in
                let list = try await Self.brands(s, count: 2)
                let brands = Brands(list)
                let service = TradingSyncService(trading: s.trading, registry: brands, interval: .milliseconds(300), maxInterval: .milliseconds(300), concurrency: 2,
                                                 refreshEvery: .milliseconds(300), logger: s.logger)
                try await Self.running(service) {
                    try await JobWakeupTests.expectEventually(20) { proxy.calls("key-0") >= 3 && proxy.calls("key-1") >= 3 }
                    brands.remove(list[0].config.slug.value)
                    // One refresh later plus a pass that may have been running.
                    try await Task.sleep(for: .seconds(1))
                    let removed = proxy.calls("key-0")
                    let kept = proxy.calls("key-1")
                    try await Task.sleep(for: .seconds(2))
                    #expect(proxy.calls("key-0") == removed)
                    #expect(proxy.calls("key-1") >= kept + 3)
                }
            }
        }
    }

    static func lastAttempt(_ s: AppServices, _ handle: TenantHandle) async throws -> Date? {
        try await s.tenantDB.transaction(handle) { tx in
            try await tx.query("SELECT last_attempt_at FROM trading_sync").collect().first?.decode(Date?.self) ?? nil
        }
    }

    @Test("a pass on a quiet connection without accounts writes nothing; the heartbeat records it")
    func quietPassWritesNothing() async throws {
        try await SandboxPlatformHarness.with { sandbox in
            var env = Self.environment(proxy: sandbox.url, count: 1)
            env["IDLE_SYNC_KEY_0"] = SandboxPlatformKeys.matchTraderAPIKey
            try await TestEnv.with("syncquiet", environment: env) { s in
                let (handle, brand) = try #require(try await Self.brands(s, count: 1).first)
                let id = try #require(brand.platforms?.first?.id)
                let (first, memo) = try await s.trading.syncPass(tenant: handle, brand: brand, connectionID: id, memo: SyncMemo())
                #expect(first.hasAccounts == false)
                let recorded = try #require(try await Self.lastAttempt(s, handle))
                try await Task.sleep(for: .milliseconds(50))
                let (quiet, same) = try await s.trading.syncPass(tenant: handle, brand: brand, connectionID: id, memo: memo)
                #expect(quiet.deals == 0)
                #expect(try await Self.lastAttempt(s, handle) == recorded)
                let (_, _) = try await s.trading.syncPass(tenant: handle, brand: brand, connectionID: id, memo: same, heartbeat: .zero)
                let beat = try #require(try await Self.lastAttempt(s, handle))
                #expect(beat > recorded)
            }
        }
    }
}
