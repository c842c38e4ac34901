import Crypto
import Foundation

/// Seals brand credentials (PSP keys, platform manager passwords) set in the Back Office. Each
/// brand has its own AES-GCM key derived from the master key and the brand's slug, and the slug is
/// also the authenticated data, so a value sealed for one brand never opens for another.
public struct CredentialVault: Sendable {
    /// The prefix of a sealed reference in a brand configuration (`sealed:v1:<base64>`).
    public static let prefix = "sealed:v1:"
    let master: SymmetricKey

    public init(master: SymmetricKey) { self.master = master }

    /// Whether `ref` is a sealed reference (as opposed to an `env:NAME` one).
    public static func isSealed(_ ref: String?) -> Bool { ref?.hasPrefix(prefix) ?? false }

    func key(slug: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: master, info: Data("atrium:brand-credentials:\(slug)".utf8), outputByteCount: 32)
    }

    /// Seals `value` for the brand `slug`; the result is stored in place of an `env:` reference.
    public func seal(_ value: String, slug: String) throws -> String {
        let box = try AES.GCM.seal(Data(value.utf8), using: key(slug: slug), authenticating: Data(slug.utf8))
        guard let combined = box.combined else { throw CredentialVaultError.cannotSeal }
        return Self.prefix + combined.base64EncodedString()
    }

    /// The value inside `ref` when it was sealed for `slug`; nil for another brand's value, a
    /// different master key or a damaged reference.
    public func open(_ ref: String, slug: String) -> String? {
        guard ref.hasPrefix(Self.prefix), let data = Data(base64Encoded: String(ref.dropFirst(Self.prefix.count))),
              let box = try? AES.GCM.SealedBox(combined: data),
              let plain = try? AES.GCM.open(box, using: key(slug: slug), authenticating: Data(slug.utf8)) else { return nil }
        return String(decoding: plain, as: UTF8.self)
    }
}

/// Why a credential could not be sealed.
public enum CredentialVaultError: Error, Equatable {
    case cannotSeal
}
