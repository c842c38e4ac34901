import AtriumBrandConfig
import AtriumTenancy
import Foundation
import Mustache
import Synchronization
import Yams

/// Renders pages from `templates/`: a brand's override of a file wins over `templates/default`.
/// Templates are logic-less Mustache, so a broker's override cannot run code.
///
/// Memory stays flat in the number of brands: every brand without override files renders from one
/// compiled library per locale, shared; its values (`brand.name`, colours, footer …) come from the
/// render context. Brands with override files get a library of their own, kept in a bounded LRU
/// (`ATRIUM_TEMPLATE_CACHE_SIZE`). Both caches are counted in `/metrics`.
public final class Renderer: Sendable {
    let root: String
    let defaults: [String: String]
    let locales: [String: [String: String]]
    /// One library per locale for brands without overrides (and for pages without a brand).
    let sharedLibraries: BoundedCache<String, MustacheLibrary>
    /// One library per brand with override files and locale, least recently used dropped first.
    let overrideLibraries: BoundedCache<String, MustacheLibrary>
    /// Slugs that have `*.mustache` files under `brands/<slug>/`, read at start and on `reload()`.
    private let overridden = Mutex<Set<String>>([])

    /// The default number of compiled libraries kept for brands with override files.
    public static let defaultOverrideCacheSize = 64

    public convenience init(root: String) throws {
        try self.init(root: root, overrideCacheSize: Self.defaultOverrideCacheSize)
    }

    /// Loads the default templates and locale strings under `root`; at most `overrideCacheSize`
    /// compiled libraries of brands with override files are kept.
    public init(root: String, overrideCacheSize: Int) throws {
        self.root = root
        sharedLibraries = BoundedCache(name: "templates_shared", capacity: TenantConfig.Locale.supported.count + 1)
        overrideLibraries = BoundedCache(name: "templates_override", capacity: overrideCacheSize)
        self.defaults = try Self.loadTemplates(in: root + "/default")
        guard !defaults.isEmpty else { throw RendererError.missing("no templates under \(root)/default") }
        var locales: [String: [String: String]] = [:]
        for code in TenantConfig.Locale.supported {
            let path = "\(root)/locales/\(code).yaml"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            var map = try Self.strings(yaml: text, path: path)
            // Each area may keep its strings in its own file, `locales/<code>/<area>.yaml`.
            let folder = "\(root)/locales/\(code)"
            for file in ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter({ $0.hasSuffix(".yaml") }).sorted() {
                let part = "\(folder)/\(file)"
                for (key, value) in try Self.strings(yaml: try String(contentsOfFile: part, encoding: .utf8), path: part) {
                    guard map[key] == nil else { throw RendererError.missing("\(part): key \(key) is already defined for \(code)") }
                    map[key] = value
                }
            }
            locales[code] = map
        }
        guard let english = locales["en"] else { throw RendererError.missing("\(root)/locales/en.yaml") }
        // Missing keys in a translation fall back to English rather than rendering blank.
        self.locales = locales.mapValues { english.merging($0) { _, new in new } }
        overridden.withLock { $0 = Self.brandsWithOverrides(in: root + "/brands") }
    }

    /// A flat `key: string` map from one locale file.
    static func strings(yaml text: String, path: String) throws -> [String: String] {
        guard let map = try Yams.load(yaml: text) as? [String: Any] else { throw RendererError.missing("\(path): not a key/string map") }
        return map.mapValues { "\($0)" }
    }

    /// The string table of `locale` (English fallback).
    public func strings(_ locale: String) -> [String: String] { locales[locale] ?? locales["en"] ?? [:] }

    /// Renders `template` for `brand` (nil: platform defaults only) in the context's `lang`.
    /// The brand's values (`brand.name`, colours, footer …) are read from `context["brand"]` at
    /// render time, so a changed brand configuration shows on the next render.
    public func render(_ template: String, brand: String?, context: [String: Any]) throws -> String {
        let library = try library(for: brand, locale: context["lang"] as? String ?? "en")
        guard let html = library.render(context, withTemplate: template) else { throw RendererError.missing(template) }
        return html
    }

    /// Drops compiled templates and looks for override files again (after a brand's override files changed).
    public func reload() {
        overridden.withLock { $0 = Self.brandsWithOverrides(in: root + "/brands") }
        sharedLibraries.removeAll()
        overrideLibraries.removeAll()
    }

    /// Whether `brand` has template override files (as of start or the last `reload()`).
    public func hasOverrides(_ brand: String) -> Bool { overridden.withLock { $0.contains(brand) } }

    /// The compiled library for `brand` and `locale`. Locale strings (`{{t.key}}`) are constants for
    /// a given locale, so they are written into the template text before compiling: rendering then
    /// skips ~20 context lookups per page (the renderer was most of a page's CPU time).
    func library(for brand: String?, locale: String) throws -> MustacheLibrary {
        guard let brand, hasOverrides(brand) else {
            return try sharedLibraries.value(for: locale) { try compile(defaults, locale: locale) }
        }
        return try overrideLibraries.value(for: "\(brand)|\(locale)") {
            let overrides = try Self.loadTemplates(in: "\(root)/brands/\(brand)")
            return try compile(defaults.merging(overrides) { _, override in override }, locale: locale)
        }
    }

    private func compile(_ sources: [String: String], locale: String) throws -> MustacheLibrary {
        let strings = self.strings(locale)
        var lib = MustacheLibrary()
        for (name, text) in sources {
            try lib.register(Self.inlineStrings(text, strings), named: name)
        }
        return lib
    }

    /// The slugs under `dir` that hold at least one `*.mustache` file outside `static/`.
    static func brandsWithOverrides(in dir: String) -> Set<String> {
        let slugs = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return Set(slugs.filter { slug in
            guard let files = FileManager.default.enumerator(atPath: "\(dir)/\(slug)") else { return false }
            while let rel = files.nextObject() as? String {
                if rel.hasSuffix(".mustache"), !rel.hasPrefix("static/") { return true }
            }
            return false
        })
    }

    /// Replaces `{{t.key}}` (or `{{<prefix>.key}}`) with the escaped string and `{{{t.key}}}` with the raw one. Strings that
    /// themselves contain `{{` stay as tags, so a translation can never inject template syntax.
    static func inlineStrings(_ text: String, _ strings: [String: String], prefix: String = "t") -> String {
        guard !strings.isEmpty,
              let regex = try? NSRegularExpression(pattern: #"\{\{(\{?)\s*"# + prefix + #"\.([A-Za-z0-9_]+)\s*\}?\}\}"#) else { return text }
        let ns = text as NSString
        var out = ""
        var last = 0
        for match in regex.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            let triple = match.range(at: 1).length == 1
            let name = ns.substring(with: match.range(at: 2))
            out += ns.substring(with: NSRange(location: last, length: match.range.location - last))
            if let value = strings[name], !value.contains("{{") {
                out += triple ? value : htmlEscape(value)
            } else {
                out += ns.substring(with: match.range)
            }
            last = match.range.location + match.range.length
        }
        out += ns.substring(from: last)
        return out
    }

    static func htmlEscape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// Reads every `*.mustache` under `dir` (recursively), keyed by relative path without extension.
    static func loadTemplates(in dir: String) throws -> [String: String] {
        guard let enumerator = FileManager.default.enumerator(atPath: dir) else { return [:] }
        var out: [String: String] = [:]
        while let rel = enumerator.nextObject() as? String {
            guard rel.hasSuffix(".mustache"), !rel.hasPrefix("static/") else { continue }
            out[String(rel.dropLast(".mustache".count))] = try String(contentsOfFile: dir + "/" + rel, encoding: .utf8)
        }
        return out
    }
}

public enum RendererError: Error, CustomStringConvertible {
    case missing(String)
    public var description: String {
        switch self { case .missing(let what): "template or locale missing: \(what)" }
    }
}
