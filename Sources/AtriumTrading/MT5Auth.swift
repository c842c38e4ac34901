import Foundation

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
