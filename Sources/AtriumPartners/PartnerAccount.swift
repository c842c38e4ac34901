import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// The partner row behind a signed-in IB user (`partners.user_id`).
public struct PartnerAccount: Sendable, Equatable {
    public let id: UUID
    public let userID: UUID
    public let walletCurrency: String
    public let status: String

    public init(id: UUID, userID: UUID, walletCurrency: String, status: String) {
        self.id = id
        self.userID = userID
        self.walletCurrency = walletCurrency
        self.status = status
    }

    /// The partner of `user`, or nil when that IB user has no partner row (yet).
    public static func of(user: UUID, in tx: TenantTransaction) async throws -> PartnerAccount? {
        let rows = try await tx.query("SELECT id, wallet_currency, status FROM partners WHERE user_id = \(user)").collect()
        guard let row = rows.first else { return nil }
        let (id, currency, status) = try row.decode((UUID, String, String).self)
        return PartnerAccount(id: id, userID: user, walletCurrency: currency, status: status)
    }
}

/// Text forms of the integer figures the portal shows and exports; never floating point.
public enum PartnerFigures {
    /// Minor units of `currency` as a decimal string (`12345`, USD → `123.45`).
    public static func amount(_ minor: Int64, currency: String) -> String {
        DecimalAmount.format(minor, exponent: ISO4217.exponents[currency] ?? 2)
    }

    /// Lots from 1/100,000,000 lot, with at least two decimals and no trailing zeros beyond them
    /// (`150000000` → `1.50`, `1234567` → `0.01234567`).
    public static func lots(_ ext: Int64) -> String {
        var text = DecimalAmount.format(ext, exponent: 8)
        while text.hasSuffix("0"), let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) > 3 { text.removeLast() }
        return text
    }

    /// The display form of a client under the brand's privacy: the first letter of the name and a dot.
    public static func initial(_ name: String) -> String {
        guard let first = name.trimmingCharacters(in: .whitespaces).first else { return "—" }
        return String(first).uppercased() + "."
    }
}

/// A calendar month in UTC, the period of statements and of the dashboard.
public struct PartnerPeriod: Sendable, Equatable, Hashable {
    public let year: Int
    public let month: Int

    public init?(year: Int, month: Int) {
        guard (2000...9999).contains(year), (1...12).contains(month) else { return nil }
        self.year = year
        self.month = month
    }

    /// Parses `YYYY-MM`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let y = Int(parts[0]), let m = Int(parts[1]) else { return nil }
        self.init(year: y, month: m)
    }

    /// The month containing `date` (UTC).
    public init(containing date: Date) {
        let c = Self.calendar.dateComponents([.year, .month], from: date)
        self.year = c.year ?? 2000
        self.month = c.month ?? 1
    }

    static let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        return c
    }()

    /// `2026-12`.
    public var text: String { String(format: "%04d-%02d", year, month) }
    /// The first instant of the month.
    public var start: Date { Self.calendar.date(from: DateComponents(year: year, month: month, day: 1)) ?? Date(timeIntervalSince1970: 0) }
    /// The first instant of the next month.
    public var end: Date { next.start }
    /// The month after this one.
    public var next: PartnerPeriod { month == 12 ? PartnerPeriod(unchecked: year + 1, 1) : PartnerPeriod(unchecked: year, month + 1) }
    /// The month before this one.
    public var previous: PartnerPeriod { month == 1 ? PartnerPeriod(unchecked: year - 1, 12) : PartnerPeriod(unchecked: year, month - 1) }

    private init(unchecked year: Int, _ month: Int) {
        self.year = year
        self.month = month
    }
}
