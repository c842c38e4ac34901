import AtriumCompliance
import AtriumBrandConfig
import AtriumCore
import AtriumIdentity
import AtriumPayments
import AtriumStorage
import AtriumTenancy
import AtriumTrading
import AtriumWork
import Crypto
import Foundation
import Logging

/// Everything the routes need, built once by `buildApplication`.
public struct AppServices: Sendable {
    public let config: AppConfig
    public let database: Database
    public let tenantDB: TenantDB
    public let registry: TenantRegistry
    public let migrations: MigrationSet
    public let provisioning: ProvisioningService
    public let authenticator: Authenticator
    public let csrf: CSRFProtector
    public let keys: KeyRing
    public let renderer: Renderer
    public let jobs: JobQueue
    public let payments: Payments
    public let trading: Trading
    public let logger: Logger
    /// Sanctions screening: the current list index and the hits it records (AtriumCompliance).
    /// `makeServices` builds the index from the current list versions in `platform`; with no list
    /// loaded every client screens clear.
    public var screening: Screening = .unloaded()
    /// The brand and provisioning API specs as served (`/api/v1/openapi.json`, the reference page); set by `makeServices`.
    public var apiSpecs: APISpecs?

    /// Public base URL of a brand (first domain, configured port), used in emailed links.
    public static func baseURL(config: AppConfig) -> @Sendable (TenantConfig) -> String {
        { brand in
            let scheme = config.secureCookies ? "https" : "http"
            let port = (config.publicPort == 80 || config.publicPort == 443) ? "" : ":\(config.publicPort)"
            return "\(scheme)://\(brand.domains.first ?? "\(brand.slug.value).\(config.platformDomain)")\(port)"
        }
    }
}

/// Purpose keys derived from the master key, for secrets stored in tenant tables.
public struct KeyRing: Sendable {
    let master: SymmetricKey

    public init(master: SymmetricKey) { self.master = master }

    /// Seals TOTP secrets of one tenant; another tenant's key cannot open them.
    public func totp(tenant: UUID) -> SymmetricKey { MasterKey.derive(master, purpose: "totp:\(tenant.uuidString.lowercased())") }

    /// Seals KYC documents of one tenant.
    public func documents(tenant: UUID) -> SymmetricKey { MasterKey.derive(master, purpose: "kyc-documents:\(tenant.uuidString.lowercased())") }

    /// Seals brand credentials set in the Back Office, with a key per brand.
    public var credentials: CredentialVault { CredentialVault(master: master) }
}

/// Key material derived from the master key: `ATRIUM_MASTER_KEY`, or in development a key file
/// generated under ATRIUM_HOME. Production never generates one: each host would get its own key.
public enum MasterKey {
    /// The development key file under `home`.
    public static func developmentFile(home: String) -> String { home + "/master.key" }

    public static func load(config: AppConfig) throws -> SymmetricKey {
        if let b64 = config.masterKey {
            guard let data = Data(base64Encoded: b64), data.count >= 32 else {
                throw ConfigError.invalid(key: "ATRIUM_MASTER_KEY", expected: "base64 of at least 32 bytes", got: "(hidden)")
            }
            return SymmetricKey(data: data)
        }
        guard config.isDevelopment else {
            throw ConfigError.invalid(key: "ATRIUM_MASTER_KEY", expected: "base64 of at least 32 bytes (production never generates a key)", got: "")
        }
        let path = developmentFile(home: config.home)
        if let data = FileManager.default.contents(atPath: path), let decoded = Data(base64Encoded: data), decoded.count >= 32 {
            return SymmetricKey(data: decoded)
        }
        try FileManager.default.createDirectory(atPath: config.home, withIntermediateDirectories: true)
        let key = SymmetricKey(size: .bits256)
        let encoded = key.withUnsafeBytes { Data($0).base64EncodedData() }
        // Several processes may race here; the first file written wins and everyone reads it back.
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: encoded, attributes: [.posixPermissions: 0o600])
        }
        guard let stored = FileManager.default.contents(atPath: path), let decoded = Data(base64Encoded: stored) else { return key }
        return SymmetricKey(data: decoded)
    }

    /// A purpose-specific subkey (HKDF-SHA256), so one leaked subkey does not expose the others.
    public static func derive(_ master: SymmetricKey, purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: master, info: Data("atrium:\(purpose)".utf8), outputByteCount: 32)
    }
}

/// Invitation emails of a brand's staff, composed by `BrandMail` (the brand's override of
/// `email/admin-invitation` when it saved one) in the brand's default locale.
struct TemplateInvitationMessages: InvitationMessages {
    let renderer: Renderer

    func invitation(config: TenantConfig, email: String, link: String, in tx: TenantTransaction) async throws -> (subject: String, body: String) {
        try await BrandMail(renderer: renderer).compose(.adminInvitation, brand: config, locale: config.locales.default, link: link, email: email, in: tx)
    }
}

extension AppServices {
    /// Back Office edits of brand settings (versions, validation, audit) over the provisioning service.
    public var brandSettings: BrandSettings { BrandSettings(provisioning: provisioning, registry: registry, vault: keys.credentials) }
}
