import Crypto

/// The MT5 Web API challenge/response (docs/integrations/mt5.md), shared by the client in
/// `AtriumTrading` and the sandbox server in `AtriumSandbox`. Its test vector was computed with
/// Python's hashlib, independently of this code.
public enum MT5Auth {
    /// `MD5( MD5(UTF-16LE(password)) ‖ "WebAPI" )`, 16 raw bytes.
    public static func passwordHash(_ password: String) -> [UInt8] {
        var utf16le = [UInt8]()
        for unit in password.utf16 {
            utf16le.append(UInt8(truncatingIfNeeded: unit))
            utf16le.append(UInt8(truncatingIfNeeded: unit >> 8))
        }
        let inner = Array(Insecure.MD5.hash(data: utf16le))
        return Array(Insecure.MD5.hash(data: inner + Array("WebAPI".utf8)))
    }

    /// `srv_rand_answer` for the server's random, or `cli_rand_answer` for the client's:
    /// `hex( MD5( password_hash ‖ random ) )`, lowercase.
    public static func answer(passwordHash: [UInt8], random: [UInt8]) -> String {
        Hex.encode(Insecure.MD5.hash(data: passwordHash + random))
    }
}

/// Lowercase hex of bytes, and back.
public enum Hex {
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: return nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 2)
        var index = 0
        while index < chars.count {
            guard let high = nibble(chars[index]), let low = nibble(chars[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    /// `count` random bytes from the system generator, as hex.
    public static func random(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return encode((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
