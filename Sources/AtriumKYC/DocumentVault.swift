import AtriumCore
import Crypto
import Foundation

/// The row a sealed document belongs to. It is the AES-GCM associated data, so a sealed file
/// opens only as the document it was sealed for: copying another row's (or another brand's)
/// bytes into a row makes it unreadable instead of showing the wrong client's passport.
public struct DocumentBinding: Sendable, Equatable {
    public let tenant: UUID
    public let user: UUID
    public let document: UUID

    public init(tenant: UUID, user: UUID, document: UUID) {
        self.tenant = tenant
        self.user = user
        self.document = document
    }

    var associatedData: [UInt8] {
        Array("atrium.kyc.document.v1|\(tenant.uuidString.lowercased())|\(user.uuidString.lowercased())|\(document.uuidString.lowercased())".utf8)
    }
}

/// A sealed document that does not open as the row it is stored in.
public struct DocumentUnreadable: Error, Equatable, CustomStringConvertible {
    public let document: UUID
    public init(document: UUID) { self.document = document }
    public var description: String { "document \(document.uuidString.lowercased()) does not open as its row (moved, altered or sealed with another key)" }
}

/// Encrypts documents at rest with AES-GCM; sealed bytes are nonce (12) + ciphertext + tag (16).
public struct DocumentVault: Sendable {
    private let key: SymmetricKey

    public init(key: SymmetricKey) {
        self.key = key
    }

    /// Encrypts `bytes` for the row `binding` under a fresh random nonce.
    public func seal(_ bytes: [UInt8], for binding: DocumentBinding) throws -> [UInt8] {
        let box = try AES.GCM.seal(bytes, using: key, authenticating: binding.associatedData)
        var sealed: [UInt8] = []
        sealed.reserveCapacity(12 + box.ciphertext.count + box.tag.count)
        sealed.append(contentsOf: box.nonce)
        sealed.append(contentsOf: box.ciphertext)
        sealed.append(contentsOf: box.tag)
        return sealed
    }

    /// Decrypts bytes made by `seal` for the same row; throws `DocumentUnreadable` if the key or
    /// the row differs or any byte was altered.
    ///
    /// Documents sealed before rows were bound (no associated data) still open: a bound file never
    /// opens without its binding, so this fallback cannot make a moved bound file readable.
    public func open(_ sealed: [UInt8], as binding: DocumentBinding) throws -> [UInt8] {
        guard let box = try? AES.GCM.SealedBox(combined: sealed) else { throw DocumentUnreadable(document: binding.document) }
        if let bytes = try? AES.GCM.open(box, using: key, authenticating: binding.associatedData) { return Array(bytes) }
        if let legacy = try? AES.GCM.open(box, using: key) { return Array(legacy) }
        throw DocumentUnreadable(document: binding.document)
    }
}
