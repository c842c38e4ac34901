import AtriumCore
@testable import AtriumHTTP
import Foundation
import Testing

/// Compiled templates are shared by brands without overrides and bounded for brands with them,
/// so a server's memory does not grow with the number of brands (issue 15, goal 3).
@Suite("Template caches", .timeLimit(.minutes(3)))
struct TemplateCacheTests {
    /// A templates root with one default page, English strings and override files for `overrides`.
    static func root(overrides: [String]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-templates-\(UUID().uuidString)").path
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/default", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/locales", withIntermediateDirectories: true)
        try "<h1>{{brand.name}}</h1><p>{{t.hello}}</p><footer>{{brand.legalFooter}}</footer>"
            .write(toFile: dir + "/default/page.mustache", atomically: true, encoding: .utf8)
        try "hello: Hello\nlocale_name: English\n".write(toFile: dir + "/locales/en.yaml", atomically: true, encoding: .utf8)
        try "hello: Hola\nlocale_name: Español\n".write(toFile: dir + "/locales/es.yaml", atomically: true, encoding: .utf8)
        // A brand folder with only static files is not an override.
        try fm.createDirectory(atPath: dir + "/brands/plain/static", withIntermediateDirectories: true)
        try "<svg/>".write(toFile: dir + "/brands/plain/static/logo.svg", atomically: true, encoding: .utf8)
        for slug in overrides {
            try fm.createDirectory(atPath: "\(dir)/brands/\(slug)", withIntermediateDirectories: true)
            try "<h2>override of \(slug): {{brand.name}}</h2>".write(toFile: "\(dir)/brands/\(slug)/page.mustache", atomically: true, encoding: .utf8)
        }
        return dir
    }

    static func page(_ r: Renderer, brand: String, name: String, lang: String = "en", footer: String = "Footer") throws -> String {
        try r.render("page", brand: brand, context: ["lang": lang, "t": r.strings(lang),
                                                      "brand": ["name": name, "slug": brand, "legalFooter": footer]])
    }

    @Test("brands without overrides share one compiled library per locale, each showing its own values")
    func shared() throws {
        let r = try Renderer(root: try Self.root(overrides: []), overrideCacheSize: 4)
        let names = (0..<50).map { "Brand \($0) & Co" }
        for (i, name) in names.enumerated() {
            let html = try Self.page(r, brand: "b\(i)", name: name, footer: "Legal \(i)")
            #expect(html == "<h1>Brand \(i) &amp; Co</h1><p>Hello</p><footer>Legal \(i)</footer>")
        }
        #expect(try Self.page(r, brand: "plain", name: "Plain") == "<h1>Plain</h1><p>Hello</p><footer>Footer</footer>")
        #expect(try Self.page(r, brand: "b7", name: "Seven", lang: "es").contains("<p>Hola</p>"))
        // 52 renders over 2 locales: one compile each, every other render a hit.
        #expect(r.sharedLibraries.stats == .init(entries: 2, hits: 50, misses: 2, evictions: 0))
        #expect(r.overrideLibraries.stats == .init(entries: 0, hits: 0, misses: 0, evictions: 0))
        #expect(!r.hasOverrides("plain"))
    }

    @Test("a brand with override files renders its override; the others render the default")
    func override() throws {
        let r = try Renderer(root: try Self.root(overrides: ["kite"]), overrideCacheSize: 4)
        #expect(try Self.page(r, brand: "kite", name: "Kite FX") == "<h2>override of kite: Kite FX</h2>")
        #expect(try Self.page(r, brand: "aurora", name: "Aurora") == "<h1>Aurora</h1><p>Hello</p><footer>Footer</footer>")
        #expect(try Self.page(r, brand: "kite", name: "Kite FX 2") == "<h2>override of kite: Kite FX 2</h2>")
        #expect(r.hasOverrides("kite") && !r.hasOverrides("aurora"))
        #expect(r.overrideLibraries.stats == .init(entries: 1, hits: 1, misses: 1, evictions: 0))
        #expect(r.sharedLibraries.stats == .init(entries: 1, hits: 0, misses: 1, evictions: 0))
    }

    @Test("the override cache evicts the least recently used brand beyond its bound and re-renders it correctly")
    func eviction() throws {
        let r = try Renderer(root: try Self.root(overrides: ["o1", "o2", "o3"]), overrideCacheSize: 2)
        #expect(try Self.page(r, brand: "o1", name: "One") == "<h2>override of o1: One</h2>")
        #expect(try Self.page(r, brand: "o2", name: "Two") == "<h2>override of o2: Two</h2>")
        #expect(try Self.page(r, brand: "o1", name: "One") == "<h2>override of o1: One</h2>")   // o1 is now the newer
        #expect(try Self.page(r, brand: "o3", name: "Three") == "<h2>override of o3: Three</h2>")  // evicts o2
        #expect(r.overrideLibraries.stats == .init(entries: 2, hits: 1, misses: 3, evictions: 1))
        #expect(r.overrideLibraries.contains("o1|en") && !r.overrideLibraries.contains("o2|en"))
        #expect(try Self.page(r, brand: "o2", name: "Two again") == "<h2>override of o2: Two again</h2>")  // evicts o1
        #expect(r.overrideLibraries.stats == .init(entries: 2, hits: 1, misses: 4, evictions: 2))
        #expect(try Self.page(r, brand: "o1", name: "One") == "<h2>override of o1: One</h2>")
    }

    @Test("changed brand settings show on the next render, with no recompile")
    func changedValues() throws {
        let r = try Renderer(root: try Self.root(overrides: []), overrideCacheSize: 4)
        #expect(try Self.page(r, brand: "aurora", name: "Old & Name", footer: "Old footer").contains("<h1>Old &amp; Name</h1>"))
        let renamed = try Self.page(r, brand: "aurora", name: "New Name", footer: "New footer")
        #expect(renamed == "<h1>New Name</h1><p>Hello</p><footer>New footer</footer>")
        #expect(r.sharedLibraries.stats.misses == 1)
    }

    @Test("reload drops compiled libraries and finds override files added since start")
    func reload() throws {
        let dir = try Self.root(overrides: [])
        let r = try Renderer(root: dir, overrideCacheSize: 4)
        #expect(try Self.page(r, brand: "late", name: "Late") == "<h1>Late</h1><p>Hello</p><footer>Footer</footer>")
        try FileManager.default.createDirectory(atPath: dir + "/brands/late", withIntermediateDirectories: true)
        try "late override {{brand.name}}".write(toFile: dir + "/brands/late/page.mustache", atomically: true, encoding: .utf8)
        r.reload()
        #expect(try Self.page(r, brand: "late", name: "Late") == "late override Late")
        #expect(r.sharedLibraries.stats.entries == 0)
    }

    @Test("/metrics counts entries, hits, misses and evictions of each cache")
    func metrics() throws {
        let name = "test_\(UUID().uuidString.prefix(8).lowercased())"
        let cache = BoundedCache<String, Int>(name: name, capacity: 2)
        #expect(cache.value(for: "a") { 1 } == 1)   // miss
        #expect(cache.value(for: "a") { 99 } == 1)  // hit
        #expect(cache.value(for: "b") { 2 } == 2)   // miss
        #expect(cache.value(for: "c") { 3 } == 3)   // miss, evicts a
        #expect(cache.lookup("a") == nil)           // miss
        let text = AtriumMetrics.registry.emitToString()
        func value(_ metric: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix("\(metric){cache=\"\(name)\"} ") }
                .flatMap { Double($0.split(separator: " ").last ?? "") }
        }
        #expect(value("atrium_cache_entries") == 2)
        #expect(value("atrium_cache_hits_total") == 1)
        #expect(value("atrium_cache_misses_total") == 4)
        #expect(value("atrium_cache_evictions_total") == 1)

        // The renderer's own caches are there under their names.
        let r = try Renderer(root: try Self.root(overrides: ["kite"]), overrideCacheSize: 4)
        _ = try Self.page(r, brand: "kite", name: "Kite")
        let after = AtriumMetrics.registry.emitToString()
        #expect(after.contains("atrium_cache_misses_total{cache=\"templates_override\"}"))
        #expect(after.contains("atrium_cache_entries{cache=\"templates_shared\"}"))
    }

    @Test("ATRIUM_TEMPLATE_CACHE_SIZE: default 64, a bad or zero value names the variable")
    func setting() throws {
        #expect(try AppConfig.fromEnvironment(["ATRIUM_ENV": "development"]).templateCacheSize == 64)
        #expect(try AppConfig.fromEnvironment(["ATRIUM_ENV": "development", "ATRIUM_TEMPLATE_CACHE_SIZE": "8"]).templateCacheSize == 8)
        for bad in ["0", "-1", "lots"] {
            #expect(throws: ConfigError.invalid(key: "ATRIUM_TEMPLATE_CACHE_SIZE", expected: "an integer in 1...100000", got: bad)) {
                _ = try AppConfig.fromEnvironment(["ATRIUM_ENV": "production", "ATRIUM_TEMPLATE_CACHE_SIZE": bad])
            }
        }
    }
}
