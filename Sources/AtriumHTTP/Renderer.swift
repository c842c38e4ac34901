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
            let map = (try Yams.load(yaml: text) as? [String: Any]) ?? [:]
            locales[code] = map.mapValues { "\($0)" }
        }
        guard let english = locales["en"] else { throw RendererError.missing("\(root)/locales/en.yaml") }
        // Missing keys in a translation fall back to English rather than rendering blank.
        self.locales = locales.mapValues { english.merging($0) { _, new in new } }
    }

    /// The string table of `locale` (English fallback).
    public func strings(_ locale: String) -> [String: String] { locales[locale] ?? locales["en"] ?? [:] }

    /// Renders `template` for `brand` (nil: platform defaults only).
    public func render(_ template: String, brand: String?, context: [String: Any]) throws -> String {
        let library = try library(for: brand)
        guard let html = library.render(context, withTemplate: template) else { throw RendererError.missing(template) }
        return html
    }

    /// Drops compiled templates (after a brand's override files changed).
    public func reload() { libraries.withLock { $0 = [:] } }

    private func library(for brand: String?) throws -> MustacheLibrary {
        let key = brand ?? ""
        if let lib = libraries.withLock({ $0[key] }) { return lib }
        var sources = defaults
        if let brand {
            let overrides = try Self.loadTemplates(in: "\(root)/brands/\(brand)")
            sources.merge(overrides) { _, override in override }
        }
        var lib = MustacheLibrary()
        for (name, text) in sources { try lib.register(text, named: name) }
        libraries.withLock { $0[key] = lib }
        return lib
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
