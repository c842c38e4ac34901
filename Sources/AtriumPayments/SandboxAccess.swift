import AtriumCore
import Crypto
import Foundation
import Synchronization

/// How the CRM reaches the built-in sandbox PSP: where it listens (set once the server has bound
/// its port) and the keys both sides share. Without keys (production) the sandbox is off: a PSP
/// pointed at it is not configured and its callbacks are refused.
public final class SandboxEndpoint: Sendable {
    let value: Mutex<String>
    /// Shared keys, derived from the master key; nil when the sandbox is off.
    public let keys: SandboxKeys?

    public init(_ base: String, keys: SandboxKeys?) {
        value = Mutex(base)
        self.keys = keys
    }

    public var base: String { value.withLock { $0 } }
    public func set(_ base: String) { value.withLock { $0 = base } }
    /// Whether PSPs may use the sandbox (development).
    public var isEnabled: Bool { keys != nil }
}

/// Keys of the built-in sandbox PSP. Like a test-mode dashboard, the sandbox shows each
/// merchant's webhook signing secret to whoever runs it; both the API key and the secret are
/// derived from the master key, so nobody without it can compute them and sign a callback.
public struct SandboxKeys: Sendable {
    let key: SymmetricKey

    /// `key` is the master key's `sandbox-psp` purpose key.
    public init(key: SymmetricKey) { self.key = key }

    func mac(_ text: String) -> String {
        Token.hex(HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: key))
    }

    /// The API key of one brand's sandbox PSP: `sk_sandbox_<slug>_<psp>_<tag>`.
    public func apiKey(slug: String, pspID: String) -> String {
        let payload = "\(slug)_\(pspID)"
        return "sk_sandbox_\(payload)_" + mac("api-key:" + payload).prefix(32)
    }

    /// Whether `apiKey` was issued with these keys (the sandbox refuses any other key).
    public func isIssued(apiKey: String) -> Bool {
        guard apiKey.hasPrefix("sk_sandbox_"), let cut = apiKey.lastIndex(of: "_") else { return false }
        let payload = String(apiKey[apiKey.index(apiKey.startIndex, offsetBy: 11)..<cut])
        return !payload.isEmpty && apiKey == "sk_sandbox_\(payload)_" + mac("api-key:" + payload).prefix(32)
    }

    /// The webhook signing secret that goes with an API key.
    public func webhookSecret(apiKey: String) -> String { "whsec_" + mac("webhook:" + apiKey) }
}
