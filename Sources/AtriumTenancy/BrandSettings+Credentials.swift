import AtriumBrandConfig
import AtriumCore
import Foundation

/// A credential field of a brand: a PSP's `api_key`/`webhook_secret`, a platform connection's
/// `manager_login`/`manager_password`/`api_key`.
public struct CredentialSlot: Sendable, Equatable {
    public enum Owner: String, Sendable { case psp, platform }
    public var owner: Owner
    /// The PSP or connection id.
    public var id: String
    public var field: String
    /// The path in validation notation (`psps[0].api_key`).
    public var path: String
    /// The stored reference: nil (unset), `env:NAME` or a sealed value.
    public var reference: String?

    /// The form value naming this slot (`psp:<id>:<field>`).
    public var key: String { "\(owner.rawValue):\(id):\(field)" }
    /// Whether the value was set in the Back Office (sealed) rather than by an environment variable.
    public var isSealed: Bool { CredentialVault.isSealed(reference) }
    /// The environment variable of an `env:` reference.
    public var environmentVariable: String? { reference.flatMap { $0.hasPrefix("env:") ? String($0.dropFirst(4)) : nil } }
}

/// Who last changed a credential, and when (from the version history).
public struct CredentialChange: Sendable, Equatable {
    public var who: String
    public var at: Date
    public var version: Int
}

extension TenantConfig {
    /// Every credential slot the brand's PSPs and platform connections have.
    public var credentialSlots: [CredentialSlot] {
        var out: [CredentialSlot] = []
        for (i, p) in (psps ?? []).enumerated() where p.type != "bank_wire" {
            out.append(CredentialSlot(owner: .psp, id: p.id, field: "api_key", path: "psps[\(i)].api_key", reference: p.apiKey))
            out.append(CredentialSlot(owner: .psp, id: p.id, field: "webhook_secret", path: "psps[\(i)].webhook_secret", reference: p.webhookSecret))
        }
        for (i, p) in (platforms ?? []).enumerated() {
            if p.type == "matchtrader" {
                out.append(CredentialSlot(owner: .platform, id: p.id, field: "api_key", path: "platforms[\(i)].api_key", reference: p.apiKey))
            } else {
                out.append(CredentialSlot(owner: .platform, id: p.id, field: "manager_login", path: "platforms[\(i)].manager_login", reference: p.managerLogin))
                out.append(CredentialSlot(owner: .platform, id: p.id, field: "manager_password", path: "platforms[\(i)].manager_password",
                                          reference: p.managerPassword))
            }
        }
        return out
    }

    /// Stores `reference` in the slot named `key`; false when there is no such slot.
    mutating func setCredential(_ key: String, reference: String) -> Bool {
        let parts = key.split(separator: ":", maxSplits: 2).map(String.init)
        guard parts.count == 3, credentialSlots.contains(where: { $0.key == key }) else { return false }
        if parts[0] == "psp", let i = psps?.firstIndex(where: { $0.id == parts[1] }) {
            if parts[2] == "api_key" { psps?[i].apiKey = reference } else { psps?[i].webhookSecret = reference }
            return true
        }
        if parts[0] == "platform", let i = platforms?.firstIndex(where: { $0.id == parts[1] }) {
            switch parts[2] {
            case "api_key": platforms?[i].apiKey = reference
            case "manager_login": platforms?[i].managerLogin = reference
            default: platforms?[i].managerPassword = reference
            }
            return true
        }
        return false
    }
}

extension BrandSettings {
    /// Longest credential accepted, in characters.
    public static let maxCredentialLength = 4096

    /// Seals `value` under the brand's key and stores it in the slot `key` (`psp:<id>:api_key`).
    /// An unknown slot or an empty/oversized value throws `invalidConfig` naming `credential`/`value`.
    public func setCredential(slug: String, key: String, value: String, actor: String, requestID: String = "") async throws -> Outcome {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= Self.maxCredentialLength else {
            throw ProvisioningError.invalidConfig(.init(file: slug, problems: [.init(path: "value", expected: "1-\(Self.maxCredentialLength) characters")]))
        }
        guard let vault else { throw ProvisioningError.invalidConfig(.init(file: slug, problems: [.init(path: "value", expected: "a server with a master key")])) }
        let sealed = try vault.seal(trimmed, slug: slug)
        var refused = false
        let outcome = try await update(slug: slug, section: "credentials", actor: actor, requestID: requestID) { config in
            refused = !config.setCredential(key, reference: sealed)
        }
        if refused { throw ProvisioningError.invalidConfig(.init(file: slug, problems: [.init(path: "credential", expected: "a credential of this brand's PSPs or platform connections")])) }
        return outcome
    }

    /// For each slot path, the version that last changed its reference, with who and when.
    public func credentialChanges(slug: String) async throws -> [String: CredentialChange] {
        var last: [String: String?] = [:]
        var out: [String: CredentialChange] = [:]
        for (row, config) in try await history(slug: slug) {
            for slot in config.credentialSlots {
                let key = slot.key
                if last[key] == nil || last[key] != .some(slot.reference) {
                    out[key] = CredentialChange(who: row.who, at: row.createdAt, version: row.version)
                    last[key] = .some(slot.reference)
                }
            }
        }
        return out
    }
}
