import AtriumStorage
import Foundation
import PostgresNIO

/// What one brand uses, for the operator console: clients, active traders and deposits this
/// month, and the size of its schema. Read inside the brand's own tenant transaction.
public struct TenantUsage: Sendable, Equatable {
    /// Registered traders.
    public var clients: Int
    /// Traders with a deal (not cancelled) on one of their live accounts since `since`, as the dashboard counts them.
    public var activeTraders: Int
    /// Succeeded deposits since `since`, settled amounts in minor units per currency code.
    public var deposits: [String: Int64]
    /// Bytes of the schema's tables with their indexes and TOAST (`pg_total_relation_size`).
    public var storageBytes: Int64

    /// The usage of the brand `tx` runs in, counting activity from `since` (the month's start).
    public static func query(since: Date, in tx: TenantTransaction) async throws -> TenantUsage {
        let counts = try await tx.query("""
            SELECT (SELECT count(*)::int FROM users WHERE audience = 'trader'),
                   (SELECT count(DISTINCT a.user_id)::int FROM platform_deals d JOIN trading_accounts a ON a.id = d.account_id AND a.kind = 'live'
                     WHERE d.time_msc >= \(Int64(since.timeIntervalSince1970 * 1000)) AND d.status <> 'cancelled'),
                   (SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
                     WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'm', 'p'))
            """).collect().first?.decode((Int, Int, Int64).self) ?? (0, 0, Int64(0))
        var deposits: [String: Int64] = [:]
        let rows = try await tx.query("""
            SELECT currency, sum(coalesce(settled_amount, amount))::bigint FROM payments
            WHERE kind = 'deposit' AND status = 'succeeded' AND updated_at >= \(since) GROUP BY currency ORDER BY currency
            """)
        for try await (currency, total) in rows.decode((String, Int64).self) { deposits[currency] = total }
        return TenantUsage(clients: counts.0, activeTraders: counts.1, deposits: deposits, storageBytes: counts.2)
    }

    /// The first instant of the calendar month (UTC) that contains `date`.
    public static func monthStart(of date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        return calendar.date(from: calendar.dateComponents([.year, .month], from: date)) ?? date
    }
}
