import AtriumCore
import Crypto
import Foundation

/// Encrypts documents at rest with AES-GCM; sealed bytes are nonce (12) + ciphertext + tag (16).
public struct DocumentVault: Sendable {
    private let key: SymmetricKey

    public init(key: SymmetricKey) {
        self.key = key
    }

    /// Encrypts `bytes` under a fresh random nonce.
    public func seal(_ bytes: [UInt8]) throws -> [UInt8] {
        let box = try AES.GCM.seal(bytes, using: key)
        var sealed: [UInt8] = []
        sealed.reserveCapacity(12 + box.ciphertext.count + box.tag.count)
        sealed.append(contentsOf: box.nonce)
        sealed.append(contentsOf: box.ciphertext)
        sealed.append(contentsOf: box.tag)
        return sealed
    }

    /// Decrypts bytes made by `seal`; throws if the key differs or any byte was altered.
    public func open(_ sealed: [UInt8]) throws -> [UInt8] {
        let box = try AES.GCM.SealedBox(combined: sealed)
        return Array(try AES.GCM.open(box, using: key))
    }
}
