import AtriumCore
import Crypto
import Foundation

/// Why a callback was not believed. Logged with the inbox row; the sender only gets a 400.
public enum VerificationFailure: Error, Equatable, Sendable, CustomStringConvertible {
    case missingHeader(String)
    case malformedHeader
    case signatureMismatch
    case timestampOutsideTolerance(seconds: Int)
    case malformedBody(String)
    case notConfigured

    public var description: String {
        switch self {
        case .missingHeader(let h): "missing \(h) header"
        case .malformedHeader: "malformed signature header"
        case .signatureMismatch: "signature does not match"
        case .timestampOutsideTolerance(let s): "timestamp is \(s) s away from now (tolerance 300 s)"
        case .malformedBody(let why): "body is not a valid event: \(why)"
        case .notConfigured: "this PSP has no webhook secret configured"
        }
    }
}

enum Hex {
    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 2)
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            out.append(byte)
            index = next
        }
        return out
    }
}

/// Equal-length comparison that looks at every byte, so timing does not reveal the prefix.
func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var diff: UInt8 = 0
    for i in 0..<a.count { diff |= a[i] ^ b[i] }
    return diff == 0
}

/// Stripe's webhook signature scheme: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]` where each
/// `v1` is HMAC-SHA256 over `"<t>.<raw body>"` with the endpoint's signing secret.
public enum StripeSignature {
    public static let tolerance = 300

    public static func header(secret: String, timestamp: Int, body: [UInt8]) -> String {
        "t=\(timestamp),v1=\(sign(secret: secret, timestamp: timestamp, body: body))"
    }

    static func sign(secret: String, timestamp: Int, body: [UInt8]) -> String {
        let payload = Array("\(timestamp).".utf8) + body
        return Token.hex(HMAC<SHA256>.authenticationCode(for: payload, using: SymmetricKey(data: Array(secret.utf8))))
    }

    /// Accepts when any `v1` matches and the timestamp is within 300 s of `now`, in either direction.
    public static func verify(header: String?, body: [UInt8], secret: String, now: Date) throws(VerificationFailure) {
        guard let header, !header.isEmpty else { throw .missingHeader("Stripe-Signature") }
        var timestamp: Int?
        var candidates: [[UInt8]] = []
        for part in header.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1)
            guard kv.count == 2 else { continue }
            let key = kv[0].trimmingCharacters(in: .whitespaces)
            let value = kv[1].trimmingCharacters(in: .whitespaces)
            if key == "t" { timestamp = Int(value) }
            if key == "v1", let bytes = Hex.decode(value) { candidates.append(bytes) }
        }
        guard let timestamp, !candidates.isEmpty else { throw .malformedHeader }
        let expected = Array(HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).".utf8) + body,
                                                             using: SymmetricKey(data: Array(secret.utf8))))
        // Check every candidate (no early exit), then the clock.
        var matched = false
        for candidate in candidates where constantTimeEquals(candidate, expected) { matched = true }
        guard matched else { throw .signatureMismatch }
        let skew = Int(now.timeIntervalSince1970) - timestamp
        guard abs(skew) <= tolerance else { throw .timestampOutsideTolerance(seconds: skew) }
    }
}

/// Crypto gateway IPN signatures: hex HMAC-SHA512 of the raw body in `x-ipn-signature`.
public enum IPNSignature {
    public static let headerName = "x-ipn-signature"

    public static func sign(secret: String, body: [UInt8]) -> String {
        Token.hex(HMAC<SHA512>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8))))
    }

    public static func verify(header: String?, body: [UInt8], secret: String) throws(VerificationFailure) {
        guard let header, !header.isEmpty else { throw .missingHeader(headerName) }
        guard let given = Hex.decode(header.lowercased()), given.count == 64 else { throw .malformedHeader }
        let expected = Array(HMAC<SHA512>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8))))
        guard constantTimeEquals(given, expected) else { throw .signatureMismatch }
    }
}
