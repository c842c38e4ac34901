import AtriumCore

/// Resolves the secret references of brand configurations: `env:NAME` against the process
/// environment, and `sealed:v1:…` (credentials set in the Back Office) with the brand's sealing key.
/// Payments and trading connections share it, so a secret is looked up the same way everywhere.
public struct BrandSecrets: Sendable {
    let environment: [String: String]
    let vault: CredentialVault?

    /// `environment` is the process environment (`AppConfig.environment`); `vault` opens sealed
    /// credentials (nil: a sealed reference counts as unset).
    public init(environment: [String: String], vault: CredentialVault? = nil) {
        self.environment = environment
        self.vault = vault
    }

    /// The value `ref` names for the brand `slug`. `sandboxFallback` is the sandbox's own credential,
    /// used when a connection pointed at a development sandbox leaves the reference out or its
    /// variable unset; pass nil everywhere else. A missing value appends `field: …` to `problems`.
    public func resolve(_ ref: String?, field: String, sandboxFallback: String?, problems: inout [String], slug: String = "") -> String? {
        guard let ref else { return sandboxFallback }
        if CredentialVault.isSealed(ref) {
            // A sealed value that does not open (another brand's, another master key) is never
            // replaced by the sandbox's: the operator set a credential and it must be the one used.
            if let value = vault?.open(ref, slug: slug) { return value }
            problems.append("\(field): the sealed credential cannot be opened with this brand's key")
            return nil
        }
        let name = ref.hasPrefix("env:") ? String(ref.dropFirst(4)) : ref
        if let value = environment[name], !value.isEmpty { return value }
        if let sandboxFallback { return sandboxFallback }
        problems.append("\(field): environment variable \(name) is not set")
        return nil
    }
}
