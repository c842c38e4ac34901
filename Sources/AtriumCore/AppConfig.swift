import Foundation

/// Where a process runs: production refuses unsafe settings; development allows the sandboxes.
public enum AppEnvironment: String, Sendable, Equatable {
    case production, development
}

/// Typed runtime configuration, read once at startup from the environment.
public struct AppConfig: Sendable {
    /// `ATRIUM_ENV`: production (the default) or development (demo and tests).
    public var mode: AppEnvironment = .production
    /// Where Atrium keeps local state (embedded PostgreSQL, mail directory, exports, keys).
    public var home: String
    /// A PostgreSQL URL; `nil` means "start the embedded cluster under `home/pg`".
    public var databaseURL: String?
    /// `DATABASE_DIRECT_URL`: the same database reached without a pooler, for the job wake-up
    /// `LISTEN` connection; `nil` listens on `databaseURL`.
    public var directDatabaseURL: String?
    /// `ATRIUM_JOB_POLL_SECONDS`: the backstop poll of the job worker (jobs wake on NOTIFY).
    public var jobPollSeconds: Int = 10
    /// `ATRIUM_TRADING_SYNC_CONCURRENCY`: platform sync passes running at once, over all connections.
    public var tradingSyncConcurrency: Int = 4
    /// `ATRIUM_TRADING_SYNC_MAX_SECONDS`: the longest pause of a connection whose passes find nothing new.
    public var tradingSyncMaxSeconds: Int = 120
    /// Port of the embedded PostgreSQL cluster.
    public var embeddedPostgresPort: Int
    /// Interface and port the HTTP server binds to.
    public var host: String
    public var port: Int
    /// Parent domain: brand hosts are `<slug>.<platformDomain>`, the console is `ops.<platformDomain>`.
    public var platformDomain: String
    /// The mail server (`ATRIUM_SMTP_URL`, `ATRIUM_SMTP_CA_FILE`); `nil` writes mail into `home/mail/<tenant>/`.
    public var smtp: SMTPSettings?
    public var logLevel: String
    public var poolSize: Int
    /// Directories holding templates, migrations and brand definitions.
    public var templatesDirectory: String
    public var migrationsDirectory: String
    public var tenantsDirectory: String
    /// `ATRIUM_API_SPECS`: the folder holding `AtriumBrandAPI/openapi.yaml` and `AtriumPlatformAPI/openapi.yaml`
    /// (the checkout's `Sources`, next to `templates` unless set).
    public var apiSpecsDirectory: String = "Sources"
    /// Prefix of tenant role names; lets several databases share one cluster (tests do).
    public var rolePrefix: String
    /// Whether cookies carry the `Secure` attribute (on behind TLS, off for the plain-HTTP demo).
    public var secureCookies: Bool
    /// Base64 master key; `nil` means the embedded default key file under `home`.
    public var masterKey: String?
    /// Parallel tenants during `migrate`.
    public var migrationConcurrency: Int
    /// Enables `/bench/page`, used only by `ops/bench/request-overhead`.
    public var benchRoutes: Bool
    /// Socket peers (reverse proxies) whose `X-Forwarded-For` is believed.
    public var trustedProxies: Set<String>
    /// Port used in links sent by email (the proxy's port in production).
    public var publicPort: Int
    /// Serves the built-in sandbox PSP under `/sandbox-psp/` on the sandbox host (development only).
    public var sandboxPSP: Bool
    /// Base URL the CRM uses to reach the sandbox PSP; `nil` means this server's own port.
    public var sandboxPSPURL: String?
    /// Seconds a card or crypto checkout may go unanswered before it is marked failed (timeout).
    public var paymentExpirySeconds: Int
    /// Where `endpoint: sandbox` platform connections find the sandbox trading server.
    public var sandboxPlatformURL: String = "http://127.0.0.1:8091"
    /// Seconds a platform call may take before it counts as a timeout (ambiguous).
    public var platformTimeoutSeconds: Int = 10
    /// How many app servers run against this database (`ATRIUM_APP_SERVERS`): each keeps to its share
    /// of a trading platform's rate limit, since the platform counts one API key across all of them.
    public var appServers: Int = 1
    /// Seconds before the recovery job settles a transfer that may not have finished.
    public var tradingRecoverySeconds: Int = 30
    /// Runs the per-connection sync loops and the trading maintenance loop.
    public var tradingSync: Bool = true
    /// Pause between sync passes of a connection.
    public var tradingSyncSeconds: Int = 5
    /// How often each brand's platform reconciliation runs on its own.
    public var tradingReconcileMinutes: Int = 60
    /// Test-only fault injection (`after-inbox`: exit right after storing a PSP callback;
    /// `trading-after-hold` / `trading-after-platform`: exit in the middle of a transfer saga).
    public var failpoint: String?
    /// `host:port` of the internal listener that serves `/metrics`; nil serves no metrics.
    public var metricsAddress: (host: String, port: Int)?
    /// `ATRIUM_TEMPLATE_CACHE_SIZE`: compiled template libraries kept for brands with override files (LRU).
    public var templateCacheSize: Int = 64
    /// Lets webhooks go to plain http and loopback or private addresses (development and tests only).
    public var webhooksAllowPrivate: Bool = false
    /// `ATRIUM_DB_POOLER`: what sits between Atrium and PostgreSQL (AppConfig+Database.swift).
    public var databasePooler: DatabasePooler = .none
    /// `ATRIUM_DB_PREPARED_STATEMENTS`: hot queries go as named prepared statements (on unless the pooler cannot keep them).
    public var databasePreparedStatements: Bool = true
    /// The process environment, where `env:NAME` secrets of brand files are looked up.
    public var environment: [String: String] = [:]

    /// Reads the environment, failing with a message that names the variable and what was expected.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfig {
        func int(_ key: String, _ fallback: Int, _ range: ClosedRange<Int>) throws -> Int {
            guard let raw = env[key], !raw.isEmpty else { return fallback }
            guard let value = Int(raw), range.contains(value) else {
                throw ConfigError.invalid(key: key, expected: "an integer in \(range.lowerBound)...\(range.upperBound)", got: raw)
            }
            return value
        }
        func bool(_ key: String, _ fallback: Bool) throws -> Bool {
            guard let raw = env[key]?.lowercased(), !raw.isEmpty else { return fallback }
            switch raw {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default: throw ConfigError.invalid(key: key, expected: "true or false", got: raw)
            }
        }
        let modeRaw = (env["ATRIUM_ENV"] ?? "").lowercased()
        let mode: AppEnvironment
        switch modeRaw {
        case "", "production": mode = .production
        case "development": mode = .development
        default: throw ConfigError.invalid(key: "ATRIUM_ENV", expected: "production or development", got: modeRaw)
        }
        let development = mode == .development
        var metricsAddress: (host: String, port: Int)?
        if let raw = env["ATRIUM_METRICS_ADDRESS"], !raw.isEmpty {
            guard let colon = raw.lastIndex(of: ":"), let port = Int(raw[raw.index(after: colon)...]), (0...65535).contains(port),
                  colon > raw.startIndex else {
                throw ConfigError.invalid(key: "ATRIUM_METRICS_ADDRESS", expected: "host:port, e.g. 127.0.0.1:9464", got: raw)
            }
            metricsAddress = (String(raw[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
        }
        let home = env["ATRIUM_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? ".atrium"
        let url = env["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if let url, !(url.hasPrefix("postgres://") || url.hasPrefix("postgresql://")) {
            throw ConfigError.invalid(key: "DATABASE_URL", expected: "a postgres:// URL", got: "(hidden)")
        }
        let direct = env["DATABASE_DIRECT_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if let direct, !(direct.hasPrefix("postgres://") || direct.hasPrefix("postgresql://")) {
            throw ConfigError.invalid(key: "DATABASE_DIRECT_URL", expected: "a postgres:// URL", got: "(hidden)")
        }
        let smtp = try env["ATRIUM_SMTP_URL"].flatMap { $0.isEmpty ? nil : $0 }.map { try SMTPSettings.parse(url: $0, caFile: env["ATRIUM_SMTP_CA_FILE"]) }
        let level = env["ATRIUM_LOG_LEVEL"] ?? "info"
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(level) else {
            throw ConfigError.invalid(key: "ATRIUM_LOG_LEVEL", expected: "trace|debug|info|notice|warning|error|critical", got: level)
        }
        let prefix = env["ATRIUM_ROLE_PREFIX"] ?? "atrium_t_"
        guard prefix.range(of: "^[a-z][a-z0-9_]{0,20}$", options: .regularExpression) != nil else {
            throw ConfigError.invalid(key: "ATRIUM_ROLE_PREFIX", expected: "lowercase letters, digits, underscore (max 21)", got: prefix)
        }
        let sandboxPlatformURL = env["ATRIUM_SANDBOX_PLATFORM_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:8091"
        guard sandboxPlatformURL.hasPrefix("http://") || sandboxPlatformURL.hasPrefix("https://") else {
            throw ConfigError.invalid(key: "ATRIUM_SANDBOX_PLATFORM_URL", expected: "an http(s) URL", got: sandboxPlatformURL)
        }
        var config = AppConfig(
            home: home,
            databaseURL: url,
            embeddedPostgresPort: try int("ATRIUM_PG_PORT", 54329, 1024...65535),
            host: env["ATRIUM_HOST"] ?? "127.0.0.1",
            port: try int("ATRIUM_PORT", 8080, 0...65535),
            platformDomain: (env["ATRIUM_PLATFORM_DOMAIN"] ?? "localhost").lowercased(),
            smtp: smtp,
            logLevel: level,
            poolSize: try int("ATRIUM_POOL_SIZE", 20, 1...500),
            templatesDirectory: env["ATRIUM_TEMPLATES"] ?? "templates",
            migrationsDirectory: env["ATRIUM_MIGRATIONS"] ?? "migrations",
            tenantsDirectory: env["ATRIUM_TENANTS"] ?? "tenants",
            rolePrefix: prefix,
            secureCookies: try bool("ATRIUM_SECURE_COOKIES", !development),
            masterKey: env["ATRIUM_MASTER_KEY"].flatMap { $0.isEmpty ? nil : $0 },
            migrationConcurrency: try int("ATRIUM_MIGRATION_CONCURRENCY", 8, 1...64),
            benchRoutes: try bool("ATRIUM_BENCH_ROUTES", false),
            trustedProxies: Set((env["ATRIUM_TRUSTED_PROXIES"] ?? "127.0.0.1,::1").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }),
            publicPort: try int("ATRIUM_PUBLIC_PORT", try int("ATRIUM_PORT", 8080, 0...65535), 0...65535),
            sandboxPSP: try bool("ATRIUM_SANDBOX_PSP", development),
            sandboxPSPURL: env["ATRIUM_SANDBOX_PSP_URL"].flatMap { $0.isEmpty ? nil : $0 },
            paymentExpirySeconds: try int("ATRIUM_PAYMENT_EXPIRY_SECONDS", 1800, 5...86_400),
            sandboxPlatformURL: sandboxPlatformURL,
            platformTimeoutSeconds: try int("ATRIUM_PLATFORM_TIMEOUT_SECONDS", 10, 1...120),
            tradingRecoverySeconds: try int("ATRIUM_TRADING_RECOVERY_SECONDS", 30, 1...3_600),
            tradingSync: try bool("ATRIUM_TRADING_SYNC", true),
            tradingSyncSeconds: try int("ATRIUM_TRADING_SYNC_SECONDS", 5, 1...3_600),
            tradingReconcileMinutes: try int("ATRIUM_TRADING_RECONCILE_MINUTES", 60, 1...10_080),
            failpoint: env["ATRIUM_FAILPOINT"].flatMap { $0.isEmpty ? nil : $0 },
            environment: env
        )
        config.mode = mode
        config.apiSpecsDirectory = env["ATRIUM_API_SPECS"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((config.templatesDirectory as NSString).deletingLastPathComponent as NSString).appendingPathComponent("Sources")
        config.metricsAddress = metricsAddress
        config.webhooksAllowPrivate = try bool("ATRIUM_WEBHOOKS_ALLOW_PRIVATE", false)
        (config.databasePooler, config.databasePreparedStatements) = try databaseSettings(env)
        config.directDatabaseURL = direct
        config.jobPollSeconds = try int("ATRIUM_JOB_POLL_SECONDS", 10, 1...3_600)
        config.tradingSyncConcurrency = try int("ATRIUM_TRADING_SYNC_CONCURRENCY", 4, 1...64)
        config.tradingSyncMaxSeconds = try int("ATRIUM_TRADING_SYNC_MAX_SECONDS", 120, 1...3_600)
        config.templateCacheSize = try int("ATRIUM_TEMPLATE_CACHE_SIZE", 64, 1...100_000)
        config.appServers = try int("ATRIUM_APP_SERVERS", 1, 1...64)
        return config
    }

    /// Whether the sandboxes (PSP and platform) may be used: development only.
    public var isDevelopment: Bool { mode == .development }

    /// Whether the built-in sandbox PSP is served and trusted: development with `ATRIUM_SANDBOX_PSP` on.
    public var sandboxPSPEnabled: Bool { isDevelopment && sandboxPSP }

    /// The host serving the operator console.
    public var consoleHost: String { "ops.\(platformDomain)" }
}

/// A configuration value that is missing or malformed.
public enum ConfigError: Error, CustomStringConvertible, Equatable {
    case invalid(key: String, expected: String, got: String)

    public var description: String {
        switch self {
        case let .invalid(key, expected, got): "configuration \(key): expected \(expected), got \"\(got)\""
        }
    }
}
