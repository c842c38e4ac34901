import AtriumBrandConfig
import AtriumCore
import Crypto
import Foundation

/// What production refuses to start with (`ATRIUM_ENV=production`): each problem names the
/// variable, or the brand file and field, so the operator knows what to change.
public enum ProductionChecks {
    /// Every problem of `config` and of the brand files in its tenants directory; empty in
    /// development, and in production when it is safe to start.
    public static func problems(config: AppConfig) -> [String] {
        guard !config.isDevelopment else { return [] }
        return settings(config) + brandFiles(directory: config.tenantsDirectory)
    }

    /// Process settings that are unsafe in production.
    public static func settings(_ config: AppConfig) -> [String] {
        var out: [String] = []
        if config.databaseURL == nil {
            out.append("DATABASE_URL: not set; production never starts the embedded PostgreSQL cluster")
        }
        out += masterKey(config)
        if config.smtp == nil {
            out.append("ATRIUM_SMTP_URL: not set; production would write mail to a local directory instead of sending it")
        }
        if !config.secureCookies { out.append("ATRIUM_SECURE_COOKIES: off; production cookies must carry Secure (serve behind TLS)") }
        if config.sandboxPSP { out.append("ATRIUM_SANDBOX_PSP: on; the sandbox PSP is development only") }
        if config.benchRoutes { out.append("ATRIUM_BENCH_ROUTES: on; benchmark routes are development only") }
        if config.webhooksAllowPrivate { out.append("ATRIUM_WEBHOOKS_ALLOW_PRIVATE: on; webhooks to private and loopback addresses are development only") }
        if config.failpoint != nil { out.append("ATRIUM_FAILPOINT: set; fault injection is for tests only") }
        return out
    }

    /// `ATRIUM_MASTER_KEY` must be set, valid, and not the key of a development home.
    static func masterKey(_ config: AppConfig) -> [String] {
        guard let b64 = config.masterKey else {
            return ["ATRIUM_MASTER_KEY: not set; production needs one key shared by every host (it is never generated)"]
        }
        guard let key = Data(base64Encoded: b64), key.count >= 32 else {
            return ["ATRIUM_MASTER_KEY: expected base64 of at least 32 bytes"]
        }
        // The demo's and the tests' generated key files: a key copied from them is not a secret.
        for home in Set([config.home, ".atrium"]) {
            let path = MasterKey.developmentFile(home: home)
            if let stored = FileManager.default.contents(atPath: path), let decoded = Data(base64Encoded: stored), decoded == key {
                return ["ATRIUM_MASTER_KEY: is the development key of \(path); generate a new key for production"]
            }
        }
        return []
    }

    /// Sandbox settings in the brand files (`*.yaml`) of `directory`.
    public static func brandFiles(directory: String) -> [String] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
        var out: [String] = []
        for file in files {
            let path = "\(directory)/\(file)"
            do {
                out += brand(try TenantConfig.parse(yaml: try String(contentsOfFile: path, encoding: .utf8), file: path), file: path)
            } catch {
                out.append("\(path): \(error)")
            }
        }
        return out
    }

    /// Sandbox settings and staff sign-in without TOTP of one brand, each naming the file, the field and the PSP or connection id.
    public static func brand(_ brand: TenantConfig, file: String) -> [String] {
        brand.sandboxUses.map { use in
            "\(file): \(use.field): \(use.value) (\(use.id)) uses a development sandbox; production needs a real provider"
        } + staffTwoFactor(brand, file: file)
    }
}
