import AtriumBrandConfig
import AtriumCore
import Foundation

/// The brand file form of a stored configuration. A credential sealed in the Back Office cannot
/// leave the server, so it becomes an `env:` reference with a documented name
/// (`ATRIUM_<SLUG>_<ID>_<FIELD>`), and the header lists every variable the file needs.
public enum ConfigExport {
    /// The environment variable a sealed credential is exported as.
    public static func variableName(slug: String, id: String, field: String) -> String {
        let clean = { (s: String) in String(s.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }) }
        return "ATRIUM_\(clean(slug))_\(clean(id))_\(clean(field))"
    }

    /// `config` with each sealed credential replaced by its `env:` reference.
    public static func withEnvironmentReferences(_ config: TenantConfig) -> TenantConfig {
        var out = config
        for slot in config.credentialSlots where slot.isSealed {
            _ = out.setCredential(slot.key, reference: "env:" + variableName(slug: config.slug.value, id: slot.id, field: slot.field))
        }
        return out
    }

    /// The YAML text: a header naming the variables to set, then the configuration. Deterministic
    /// (no timestamp, sorted keys), so export → apply → export is byte-equal.
    public static func yaml(_ config: TenantConfig) throws -> String {
        let exported = withEnvironmentReferences(config)
        let variables = exported.credentialSlots.compactMap(\.environmentVariable)
        var header = "# Exported from Atrium: brand \(config.slug.value).\n"
        if variables.isEmpty {
            header += "# No secrets to set.\n"
        } else {
            header += "# Set these environment variables before `atrium serve` / `atrium tenant apply`\n"
            header += "# (credentials set in the Back Office are exported under these names, never their values):\n"
            for v in variables { header += "#   \(v)\n" }
        }
        return header + (try exported.yaml())
    }
}
