import AtriumCore
import AtriumLedger
import AtriumBrandConfig
import Foundation
import Synchronization

/// The sandbox trading server's documented credentials. A connection with `endpoint: sandbox`
/// falls back to them when its `env:` variables are unset, in development only; a real
/// connection never does.
public enum SandboxPlatformKeys {
    public static let managerLogin = "1000"
    public static let managerPassword = "Sandbox-Manager-1"
    public static let matchTraderAPIKey = "sandbox-mtr-key"
    public static let defaultURL = "http://127.0.0.1:8091"
}

/// A brand's platform connection with its endpoint and secrets resolved.
public struct ResolvedConnection: Sendable {
    public let config: TenantConfig.PlatformConnection
    public let endpoint: String
    public let managerLogin: String?
    public let managerPassword: String?
    public let apiKey: String?
    /// Why the connection cannot be used (unset secrets), empty when it can.
    public let problems: [String]

    public var id: String { config.id }
    public var isSandbox: Bool { config.endpoint == "sandbox" }

    public func accountType(_ id: String) -> TenantConfig.AccountType? { config.accountTypes?.first { $0.id == id } }

    /// Every group Atrium opens accounts in on this connection (live and demo), for sync.
    public var groups: [String] {
        var out: [String] = []
        for t in config.accountTypes ?? [] {
            for g in [t.group, t.resolvedDemoGroup] where !out.contains(g) { out.append(g) }
        }
        return out
    }
}

/// Resolves connections from brand files and keeps one client per connection, so an MT5
/// manager session and a Match-Trader throttle are shared by every caller in the process.
public final class PlatformDirectory: Sendable {
    let secrets: BrandSecrets
    public let sandboxURL: String
    /// Whether `endpoint: sandbox` connections may be used (development).
    public let sandboxEnabled: Bool
    let timeoutSeconds: Int64
    /// App servers sharing each platform's rate limit (`ATRIUM_APP_SERVERS`).
    let servers: Int
    let clients = Mutex<[String: any TradingPlatform]>([:])

    /// `environment` holds the `env:NAME` secrets of brand files; `sandboxURL` is where
    /// `endpoint: sandbox` connections go when `sandboxEnabled`; a call without an answer after
    /// `timeoutSeconds` is a timeout.
    /// `vault` opens credentials sealed in the Back Office.
    public init(environment: [String: String], sandboxURL: String = SandboxPlatformKeys.defaultURL, sandboxEnabled: Bool = true, timeoutSeconds: Int = 10,
                servers: Int = 1, vault: CredentialVault? = nil) {
        self.secrets = BrandSecrets(environment: environment, vault: vault)
        self.sandboxURL = sandboxURL
        self.sandboxEnabled = sandboxEnabled
        self.timeoutSeconds = Int64(timeoutSeconds)
        self.servers = servers
    }

    public func connections(_ brand: TenantConfig) -> [ResolvedConnection] {
        (brand.platforms ?? []).map { resolve($0, slug: brand.slug.value) }
    }

    public func connection(_ brand: TenantConfig, id: String) -> ResolvedConnection? {
        brand.platforms?.first { $0.id == id }.map { resolve($0, slug: brand.slug.value) }
    }

    func resolve(_ c: TenantConfig.PlatformConnection, slug: String) -> ResolvedConnection {
        let sandbox = c.endpoint == "sandbox"
        var problems: [String] = []
        if sandbox && !sandboxEnabled { problems.append("endpoint: the sandbox trading server is used only in development (ATRIUM_ENV=development)") }
        let fallbacks = sandbox && sandboxEnabled
        let endpoint = sandbox ? sandboxURL + (c.type == "matchtrader" ? "/mtr" : "") : c.endpoint
        if c.type == "matchtrader" {
            let key = secrets.resolve(c.apiKey, field: "api_key", sandboxFallback: fallbacks ? SandboxPlatformKeys.matchTraderAPIKey : nil, problems: &problems, slug: slug)
            if key == nil && c.apiKey == nil && !sandbox { problems.append("api_key: not set in the brand file") }
            return ResolvedConnection(config: c, endpoint: endpoint, managerLogin: nil, managerPassword: nil, apiKey: key, problems: problems)
        }
        let login = secrets.resolve(c.managerLogin, field: "manager_login", sandboxFallback: fallbacks ? SandboxPlatformKeys.managerLogin : nil, problems: &problems, slug: slug)
        let password = secrets.resolve(c.managerPassword, field: "manager_password",
                                       sandboxFallback: fallbacks ? SandboxPlatformKeys.managerPassword : nil, problems: &problems, slug: slug)
        if !sandbox && ((login == nil && c.managerLogin == nil) || (password == nil && c.managerPassword == nil)) {
            problems.append("manager_login/manager_password: not set in the brand file")
        }
        return ResolvedConnection(config: c, endpoint: endpoint, managerLogin: login, managerPassword: password, apiKey: nil, problems: problems)
    }

    /// The client for `connection` of `brand`; throws `TradingError.connectionMisconfigured`
    /// when its secrets are missing.
    public func platform(_ brand: TenantConfig, connection id: String) throws -> any TradingPlatform {
        guard let c = connection(brand, id: id) else { throw TradingError.unknownConnection }
        return try platform(brand.slug.value, c)
    }

    public func platform(_ slug: String, _ c: ResolvedConnection) throws -> any TradingPlatform {
        guard c.problems.isEmpty else { throw TradingError.connectionMisconfigured(c.problems.joined(separator: "; ")) }
        // The key holds every setting, so an edited brand file gets a fresh client.
        let key = [slug, c.id, c.config.type, c.endpoint, c.managerLogin ?? "", c.managerPassword ?? "", c.apiKey ?? "",
                   String(c.config.serverTimeOffsetMinutes ?? 0)].joined(separator: "\u{1}")
        return clients.withLock { cache in
            if let existing = cache[key] { return existing }
            let made: any TradingPlatform
            if c.config.type == "matchtrader" {
                made = MatchTraderClient(connectionID: c.id, endpoint: c.endpoint, apiKey: c.apiKey ?? "", servers: servers, timeout: .seconds(timeoutSeconds))
            } else {
                made = MT5WebAPIClient(connectionID: c.id, endpoint: c.endpoint, managerLogin: c.managerLogin ?? "", managerPassword: c.managerPassword ?? "",
                                       serverTimeOffsetMinutes: c.config.serverTimeOffsetMinutes ?? 0, timeout: .seconds(timeoutSeconds))
            }
            cache[key] = made
            return made
        }
    }
}
