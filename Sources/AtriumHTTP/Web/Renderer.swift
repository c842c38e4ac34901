import AtriumBrandConfig
import AtriumTenancy
import Foundation
import Mustache
import Synchronization
import Yams

/// Renders pages from `templates/`: a brand's override of a file wins over `templates/default`.
/// Templates are logic-less Mustache, so a broker's override cannot run code.
public final class Renderer: Sendable {
    let root: String
    let defaults: [String: String]
    let locales: [String: [String: String]]
    private let libraries = Mutex<[String: MustacheLibrary]>([:])

    public init(root: String) throws {
        self.root = root
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
    }

    /// A flat `key: string` map from one locale file.
    static func strings(yaml text: String, path: String) throws -> [String: String] {
        guard let map = try Yams.load(yaml: text) as? [String: Any] else { throw RendererError.missing("\(path): not a key/string map") }
        return map.mapValues { "\($0)" }
    }

    /// The string table of `locale` (English fallback).
    public func strings(_ locale: String) -> [String: String] { locales[locale] ?? locales["en"] ?? [:] }

    /// Renders `template` for `brand` (nil: platform defaults only) in the context's `lang`.
    /// The brand's plain values (`brand.name`, colours, footer …) are compiled in as well, keyed by
    /// their content, so a changed brand configuration compiles a fresh library.
    public func render(_ template: String, brand: String?, context: [String: Any]) throws -> String {
        let constants = (context["brand"] as? [String: Any])?.compactMapValues { $0 as? String } ?? [:]
        let library = try library(for: brand, locale: context["lang"] as? String ?? "en", constants: constants)
        guard let html = library.render(context, withTemplate: template) else { throw RendererError.missing(template) }
        return html
    }

    /// Drops compiled templates (after a brand's override files changed).
    public func reload() { libraries.withLock { $0 = [:] } }

    /// One compiled library per brand and locale. Locale strings (`{{t.key}}`) are constants for a
    /// given locale, so they are written into the template text before compiling: rendering then
    /// skips ~20 context lookups per page (the renderer was most of a page's CPU time).
    private func library(for brand: String?, locale: String, constants: [String: String]) throws -> MustacheLibrary {
        let key = "\(brand ?? "")|\(locale)|\(constants.hashValue)"
        if let lib = libraries.withLock({ $0[key] }) { return lib }
        var sources = defaults
        if let brand {
            let overrides = try Self.loadTemplates(in: "\(root)/brands/\(brand)")
            sources.merge(overrides) { _, override in override }
        }
        let strings = self.strings(locale)
        var lib = MustacheLibrary()
        for (name, text) in sources {
            let inlined = Self.inlineStrings(Self.inlineStrings(text, strings), constants, prefix: "brand")
            try lib.register(inlined, named: name)
        }
        libraries.withLock { cache in
            // Old brand versions are not looked up again; keep the cache bounded.
            if cache.count > 1000 { cache = [:] }
            cache[key] = lib
        }
        return lib
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
