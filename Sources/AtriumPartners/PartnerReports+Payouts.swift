import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// Payouts: the IB's commission settlements.
extension PartnerReports {
    /// One settlement of the IB's commissions.
    public struct Payout: Sendable, Equatable {
        public let id: UUID
        public let periodStart: String
        public let periodEnd: String
        public let currency: String
        public let amount: Int64
        public let lines: Int
        public let status: String
        public let postedAt: Date?
    }

    /// The partner's settlements, newest period first.
    public static func payouts(partner: UUID, in tx: TenantTransaction) async throws -> [Payout] {
        var out: [Payout] = []
        for try await (id, start, end, currency, amount, lines, status, posted) in try await tx.query("""
            SELECT id, to_char(period_start, 'YYYY-MM-DD'), to_char(period_end, 'YYYY-MM-DD'), currency, amount, lines, status, posted_at
            FROM commission_settlements WHERE partner_id = \(partner) ORDER BY period_start DESC, currency
            """).decode((UUID, String, String, String, Int64, Int, String, Date?).self) {
            out.append(Payout(id: id, periodStart: start, periodEnd: end, currency: currency, amount: amount, lines: lines, status: status, postedAt: posted))
        }
        return out
    }
}
