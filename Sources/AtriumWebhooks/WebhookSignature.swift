import AtriumCore
import Crypto
import Foundation

/// Stripe's scheme: `Atrium-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
/// The key is the whole secret text (`whsec_…`) as UTF-8; the timestamp is signed with the body so
/// a captured request cannot be replayed later with a fresh `t`.
public enum WebhookSignature {
    /// The header's name.
    public static let header = "Atrium-Signature"

    /// The hex HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`.
    public static func v1(secret: String, timestamp: Int64, body: [UInt8]) -> String {
        var message = Array("\(timestamp).".utf8)
        message += body
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        return Token.hex(mac)
    }

    /// The header value for `body` sent at `timestamp`.
    public static func value(secret: String, timestamp: Int64, body: [UInt8]) -> String {
        "t=\(timestamp),v1=\(v1(secret: secret, timestamp: timestamp, body: body))"
    }

    /// A new endpoint secret: `whsec_` and 32 random bytes in hex.
    public static func newSecret() -> String {
        var rng = SystemRandomNumberGenerator()
        return "whsec_" + Token.hex((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) })
    }
}
