import Foundation
import HummingbirdOTP

/// Time-based one-time passwords (RFC 6238) for authenticator apps: HummingbirdOTP computes each
/// HOTP value (RFC 4226); this type adds the step window and the step it matched, which TwoFactor
/// stores so that a code accepted once is refused again.
public enum TOTP {
    /// The HMAC hash a secret is used with; authenticator apps widely support only SHA-1.
    public enum Algorithm: String, Sendable, CaseIterable {
        case sha1 = "SHA1"
        case sha256 = "SHA256"
        case sha512 = "SHA512"
    }

    /// The code for `time`, zero-padded to `digits` (6 to 8); nil when the secret is not UTF-8 text
    /// (HummingbirdOTP keys are strings; `randomSecret` only makes such secrets).
    public static func code(
        secret: [UInt8], time: Date, digits: Int = 6, period: Int = 30, algorithm: Algorithm = .sha1
    ) -> String? {
        hotp(secret: secret, counter: UInt64(counter(at: time, period: period)), digits: digits, algorithm: algorithm)
    }

    /// The matched time step within `window` steps of `time` (store it to refuse reuse), or nil; `code` must be `digits` digits.
    public static func verify(
        _ code: String, secret: [UInt8], time: Date, window: Int = 1, digits: Int = 6, period: Int = 30,
        algorithm: Algorithm = .sha1
    ) -> Int? {
        precondition(window >= 0, "window must not be negative")
        let given = Array(code.utf8)
        guard given.count == digits, given.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        let now = counter(at: time, period: period)
        // Closest steps first; every candidate is compared so timing does not reveal which one matched.
        var matched: Int?
        let steps = (0...window).flatMap { $0 == 0 ? [now] : [now - $0, now + $0] }
        for step in steps where step >= 0 {
            guard let expected = hotp(secret: secret, counter: UInt64(step), digits: digits, algorithm: algorithm) else { return nil }
            if constantTimeEqual(Array(expected.utf8), given), matched == nil { matched = step }
        }
        return matched
    }

    /// Characters of a new secret: its bytes must be UTF-8 text, because HummingbirdOTP takes the key as a string.
    static let secretAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// A new random secret from the system's cryptographically secure generator: `bytes` ASCII
    /// characters of 6 random bits each (the default 27 give 162 bits, above RFC 4226's 160).
    public static func randomSecret(bytes: Int = 27) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in secretAlphabet[Int(generator.next(upperBound: UInt32(secretAlphabet.count)))] }
    }

    /// The Key URI an authenticator app scans, `otpauth://totp/Issuer:account?secret=…&issuer=…`.
    public static func otpauthURI(
        secret: [UInt8], issuer: String, account: String, digits: Int = 6, period: Int = 30,
        algorithm: Algorithm = .sha1
    ) -> String {
        let issuerText = percentEncoded(issuer)
        return "otpauth://totp/\(issuerText):\(percentEncoded(account))?secret=\(Base32.encode(secret))"
            + "&issuer=\(issuerText)&algorithm=\(algorithm.rawValue)&digits=\(digits)&period=\(period)"
    }

    /// The HOTP value (RFC 4226) for a counter, computed by HummingbirdOTP and zero-padded to `digits`;
    /// nil when the secret is not UTF-8 text.
    static func hotp(secret: [UInt8], counter: UInt64, digits: Int, algorithm: Algorithm) -> String? {
        precondition((6...8).contains(digits), "digits must be 6, 7 or 8")
        guard let key = String(validating: secret, as: UTF8.self) else { return nil }
        let hash: OTPHashFunction = switch algorithm {
        case .sha1: .sha1
        case .sha256: .sha256
        case .sha512: .sha512
        }
        let text = String(HOTP(secret: key, length: digits, hashFunction: hash).compute(counter: counter))
        return String(repeating: "0", count: digits - text.count) + text
    }

    /// The RFC 6238 time step containing `time`; times before 1970 count as step 0. (HummingbirdOTP's
    /// own TOTP type converts the time without this guard, and steps are needed for the replay window.)
    static func counter(at time: Date, period: Int) -> Int {
        precondition(period > 0, "period must be positive")
        return max(0, Int((time.timeIntervalSince1970 / Double(period)).rounded(.down)))
    }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }

    private static let hexDigits = Array("0123456789ABCDEF".unicodeScalars)

    /// RFC 3986 percent-encoding of UTF-8, keeping unreserved characters and `@` (legal in both the
    /// label and the query); `:`, `&`, `=`, `+` and spaces are always encoded.
    private static func percentEncoded(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "~"), UInt8(ascii: "@"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result.unicodeScalars.append("%")
                result.unicodeScalars.append(hexDigits[Int(byte >> 4)])
                result.unicodeScalars.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return result
    }
}

