import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// Whether a deal makes its client qualify for CPA: no CPA paid yet, a first successful deposit of
/// at least the plan's minimum (converted at the deposit's time when in another currency; no rate:
/// not qualified), and the closed lots from that deposit up to this deal, within the plan's days,
/// at least the plan's minimum.
enum CommissionCPA {
    static func qualifies(_ tx: TenantTransaction, client: UUID, deal: CommissionDeal, plan: CommissionPlan) async throws -> Bool {
        guard let cpa = plan.cpa else { return false }
        let paid = try await tx.query("""
            SELECT 1 FROM commission_lines WHERE client_id = \(client) AND component = 'cpa' AND kind = 'accrual' LIMIT 1
            """).collect()
        guard paid.isEmpty else { return false }
        let deposits = try await tx.query("""
            SELECT (extract(epoch FROM created_at) * 1000)::bigint, coalesce(settled_amount, amount), currency FROM payments
            WHERE user_id = \(client) AND kind = 'deposit' AND status = 'succeeded' ORDER BY created_at, id LIMIT 1
            """).collect()
        guard let row = deposits.first else { return false }
        let (depositMsc, amount, currency) = try row.decode((Int64, Int64, String).self)
        let windowEnd = depositMsc + Int64(cpa.withinDays) * 86_400_000
        guard deal.timeMsc >= depositMsc, deal.timeMsc <= windowEnd else { return false }
        var inPlanCurrency = amount
        if currency != plan.currency {
            let fx = try await CommissionSQL.rates(tx, bases: [currency], quotes: [plan.currency], atMsc: depositMsc)
            guard let rate = fx.rate(currency, plan.currency), let from = ISO4217.exponents[currency],
                  let to = ISO4217.exponents[plan.currency],
                  let converted = CommissionArithmetic.fraction([amount, rate.digits, CommissionArithmetic.pow10(to)],
                                                                over: [CommissionArithmetic.pow10(rate.scale), CommissionArithmetic.pow10(from)])
            else { return false }
            inPlanCurrency = converted
        }
        guard inPlanCurrency >= cpa.minFirstDepositMinor else { return false }
        let lots = try await tx.query("""
            SELECT coalesce(sum(d.closed_volume_ext), 0)::bigint FROM platform_deals d JOIN trading_accounts a ON a.id = d.account_id
            WHERE a.user_id = \(client) AND d.status <> 'cancelled' AND d.time_msc >= \(depositMsc) AND d.time_msc <= \(deal.timeMsc)
            """).collect().first?.decode(Int64.self) ?? 0
        return lots >= cpa.minLotsExt
    }
}

