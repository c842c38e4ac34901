/// Resolves the `env:NAME` secret references of brand files against the process environment.
/// Payments and trading connections share it, so a secret is looked up the same way everywhere.
public struct BrandSecrets: Sendable {
    let environment: [String: String]

    /// `environment` is the process environment (`AppConfig.environment`).
    public init(environment: [String: String]) {
        self.environment = environment
    }

    /// The value `ref` names. `sandboxFallback` is the sandbox's own credential, used when a
    /// connection pointed at a development sandbox leaves the reference out or its variable unset;
    /// pass nil everywhere else. A missing value appends `field: …` to `problems`.
    public func resolve(_ ref: String?, field: String, sandboxFallback: String?, problems: inout [String]) -> String? {
        guard let ref else { return sandboxFallback }
        let name = ref.hasPrefix("env:") ? String(ref.dropFirst(4)) : ref
        if let value = environment[name], !value.isEmpty { return value }
        if let sandboxFallback { return sandboxFallback }
        problems.append("\(field): environment variable \(name) is not set")
        return nil
    }
}
