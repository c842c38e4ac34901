import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238) built on HOTP (RFC 4226), for authenticator apps.
public enum TOTP {
    /// The HMAC hash a secret is used with; authenticator apps widely support only SHA-1.
    public enum Algorithm: String, Sendable, CaseIterable {
        case sha1 = "SHA1"
        case sha256 = "SHA256"
        case sha512 = "SHA512"
    }

    /// The code for `time`, zero-padded to `digits` (6 to 8).
    public static func code(
        secret: [UInt8], time: Date, digits: Int = 6, period: Int = 30, algorithm: Algorithm = .sha1
    ) -> String {
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
            let expected = Array(hotp(secret: secret, counter: UInt64(step), digits: digits, algorithm: algorithm).utf8)
            if constantTimeEqual(expected, given), matched == nil { matched = step }
        }
        return matched
    }

    /// A new random secret from the system's cryptographically secure generator (20 bytes = 160 bits).
    public static func randomSecret(bytes: Int = 20) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in generator.next() }
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

    /// The HOTP value (RFC 4226) for a counter, zero-padded to `digits`.
    static func hotp(secret: [UInt8], counter: UInt64, digits: Int, algorithm: Algorithm) -> String {
        precondition((6...8).contains(digits), "digits must be 6, 7 or 8")
        let message = withUnsafeBytes(of: counter.bigEndian) { Array($0) }
        let key = SymmetricKey(data: secret)
        let mac: [UInt8] = switch algorithm {
        case .sha1: Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: key))
        case .sha256: Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
        case .sha512: Array(HMAC<SHA512>.authenticationCode(for: message, using: key))
        }
        // Dynamic truncation: 31 bits read at the offset named by the low nibble of the last byte.
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let binary = mac[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } & 0x7FFF_FFFF
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let text = String(binary % modulus)
        return String(repeating: "0", count: digits - text.count) + text
    }

    /// The RFC 6238 time step containing `time`; times before 1970 count as step 0.
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

/// RFC 4648 Base32, the encoding authenticator apps use for TOTP secrets.
public enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    /// Uppercase Base32 without `=` padding.
    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count * 8 + 4) / 5)
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                output.append(alphabet[Int(buffer >> UInt32(bits) & 0x1F)])
            }
        }
        if bits > 0 { output.append(alphabet[Int(buffer << UInt32(5 - bits) & 0x1F)]) }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes of Base32 text in either case, ignoring spaces and `=`; nil on other characters or impossible lengths.
    public static func decode(_ text: String) -> [UInt8]? {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        var symbols = 0
        for character in text.utf8 {
            let value: UInt8
            switch character {
            case UInt8(ascii: " "), UInt8(ascii: "="): continue
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = character - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = character - UInt8(ascii: "a")
            case UInt8(ascii: "2")...UInt8(ascii: "7"): value = character - UInt8(ascii: "2") + 26
            default: return nil
            }
            symbols += 1
            buffer = buffer << 5 | UInt32(value)
            bits += 5
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        // 1, 3 or 6 leftover symbols cannot come from whole bytes.
        guard ![1, 3, 6].contains(symbols % 8) else { return nil }
        return output
    }
}
