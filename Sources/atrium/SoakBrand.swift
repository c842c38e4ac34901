import AtriumBrandConfig
import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation

/// One brand of the soak: its host, the sandbox card PSP's webhook secret (the driver plays the PSP
/// and signs its callbacks), a brand API key, and one finance user per worker who approves
/// withdrawals (each enrols TOTP over HTTP on first sign-in, as the brand requires).
struct SoakBrand: Sendable {
    let slug: String
    let handle: TenantHandle
    let config: TenantConfig
    let host: String
    let webhookSecret: String
    let apiToken: String
    let staffEmails: [String]
    /// The currency of the first account type the open form lists: deposits and withdrawals use it,
    /// so the wallet holds what transfers to the account need (Kite's first type is in EUR).
    let currency: String
    static let staffPassword = "soak-staff-pass-1234"

    static func prepare(_ s: AppServices, slug: String, run: String, workers: Int) async throws -> SoakBrand {
        guard let record = try await s.registry.tenant(slug: slug), let config = record.config else { throw CLIError(description: "--brands: no brand \"\(slug)\"") }
        guard let psp = s.payments.psps(config).first(where: { $0.id == "sandbox-card" && $0.isConfigured }), let secret = psp.webhookSecret else {
            throw CLIError(description: "\(slug) has no configured sandbox-card PSP")
        }
        let emails = (0..<workers).map { "soak-finance-\(run)-\($0)@\(slug).test" }
        let hash = try await s.authenticator.hasher.hash(staffPassword)
        let token = try await s.tenantDB.transaction(record.handle) { tx in
            for email in emails {
                guard let id = try await Users.create(audience: .staff, email: email, name: "Soak Finance", passwordHash: hash, in: tx) else {
                    throw CLIError(description: "\(slug): staff user \(email) exists")
                }
                try await RBAC.grant(.finance, to: id, in: tx)
            }
            // Made like `atrium api-key create` does, audit entry included.
            let scopes: [APIScope] = APIScope.readOnly
            let made = try await APIKeys.create(name: "soak \(run)", scopes: scopes, createdBy: "cli", in: tx)
            try await AuditLog.append(AuditEntry(actor: "cli", action: "api_key.created", subject: "api_key:\(made.key.id.uuidString.lowercased())",
                                                 after: try CanonicalJSON.object(["name": "soak \(run)", "scopes": scopes.map(\.rawValue)])), in: tx)
            return made.token
        }
        return SoakBrand(slug: slug, handle: record.handle, config: config, host: record.domains.first ?? "\(slug).\(s.config.platformDomain)",
                         webhookSecret: secret, apiToken: token, staffEmails: emails,
                         currency: config.platforms?.first?.accountTypes?.first?.currency ?? "USD")
    }

    /// A fresh API key for the rate-limit burst, so the load's own calls do not count against it.
    func freshKey(_ s: AppServices, run: String) async throws -> String {
        try await s.tenantDB.transaction(handle) { tx in
            let made = try await APIKeys.create(name: "soak burst \(run)", scopes: [.clientsRead], createdBy: "cli", in: tx)
            try await AuditLog.append(AuditEntry(actor: "cli", action: "api_key.created", subject: "api_key:\(made.key.id.uuidString.lowercased())",
                                                 after: try CanonicalJSON.object(["name": "soak burst \(run)", "scopes": [APIScope.clientsRead.rawValue]])), in: tx)
            return made.token
        }
    }
}
