import Crypto
import Foundation

/// The MT5 Web API challenge (see docs/integrations/mt5.md):
/// `password_hash = MD5(MD5(UTF-16LE(password)) ‖ "WebAPI")`, and each answer is
/// `MD5(password_hash ‖ random bytes)` in lowercase hex.
public enum MT5Auth {
    public static func passwordHash(_ password: String) -> [UInt8] {
        var utf16le: [UInt8] = []
        for unit in password.utf16 { utf16le.append(UInt8(unit & 0xFF)); utf16le.append(UInt8(unit >> 8)) }
        let inner = Array(Insecure.MD5.hash(data: utf16le))
        return Array(Insecure.MD5.hash(data: inner + Array("WebAPI".utf8)))
    }

    /// `srv_rand_answer` for the server's random, or `cli_rand_answer` for ours.
    public static func answer(passwordHash: [UInt8], random: [UInt8]) -> String {
        hex(Array(Insecure.MD5.hash(data: passwordHash + random)))
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// Bytes of a hex string, nil when it is not hex.
    public static func bytes(hex: String) -> [UInt8]? {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// MT5 user rights bits (`IMTUser::EnUsersRights`) and Atrium's three access levels.
public enum MT5Rights {
    public static let enabled: UInt64 = 0x1
    public static let password: UInt64 = 0x2
    public static let tradeDisabled: UInt64 = 0x4
    public static let trailing: UInt64 = 0x20
    public static let expert: UInt64 = 0x40
    public static let reports: UInt64 = 0x100
    /// What a new account gets: may connect, change password, use trailing stops, EAs and reports.
    public static let defaultRights: UInt64 = enabled | password | trailing | expert | reports

    public static func access(_ rights: UInt64) -> AccessLevel {
        if rights & enabled == 0 { return .disabled }
        return rights & tradeDisabled != 0 ? .readOnly : .enabled
    }

    /// `rights` changed to `access`, touching only the ENABLED and TRADE_DISABLED bits.
    public static func applying(_ access: AccessLevel, to rights: UInt64) -> UInt64 {
        switch access {
        case .enabled: (rights | enabled) & ~tradeDisabled
        case .readOnly: rights | enabled | tradeDisabled
        case .disabled: rights & ~enabled
        }
    }
}
