import AtriumBrandConfig
import AtriumStorage
import Foundation
import PostgresNIO

/// Rule 1: a withdrawal soon after a deposit with little or no trading in between (money passed through).
public struct DepositWithdrawalNoTradingRule: AMLRule {
    public let id = "deposit_withdrawal_no_trading"
    public init() {}

    public func evaluate(_ s: AMLSubject, _ p: AMLRuleSettings, in tx: TenantTransaction) async throws -> [AMLFinding] {
        let hours = p["window_hours"]
        // Deals are closed trades on the client's accounts; volume is lots × 10,000, so /100 is hundredths of a lot.
        let rows = try await tx.query("""
            SELECT w.id, w.amount, w.currency, d.id, d.amount,
                   (extract(epoch FROM w.created_at - d.created_at) / 3600)::bigint,
                   COALESCE((SELECT sum(td.volume) FROM trading_deals td JOIN trading_accounts ta ON ta.id = td.account_id
                             WHERE ta.user_id = w.user_id AND td.close_time >= d.created_at AND td.close_time <= w.created_at), 0)::bigint / 100
            FROM payments w
            JOIN LATERAL (SELECT id, amount, created_at FROM payments d
                          WHERE d.user_id = w.user_id AND d.kind = 'deposit' AND d.status = 'succeeded'
                            AND d.created_at <= w.created_at AND d.created_at >= w.created_at - make_interval(hours => \(hours)::int)
                          ORDER BY d.created_at DESC LIMIT 1) d ON true
            WHERE w.user_id = \(s.client) AND w.kind = 'withdrawal' AND w.status NOT IN ('rejected', 'failed')
              AND w.amount >= \(p["min_amount_minor"]) AND w.created_at <= \(s.now)
            ORDER BY w.created_at
            """).collect()
        return try rows.compactMap { row in
            let (wid, wamount, currency, did, damount, between, lots) = try row.decode((UUID, Int64, String, UUID, Int64, Int64, Int64).self)
            guard lots <= p["max_lots_hundredths"] else { return nil }
            return AMLFinding(key: wid.uuidString.lowercased(), facts: [
                "withdrawal_id": .text(wid.uuidString.lowercased()), "withdrawal_minor": .int(wamount), "currency": .text(currency),
                "deposit_id": .text(did.uuidString.lowercased()), "deposit_minor": .int(damount), "hours_between": .int(between),
                "lots_traded_hundredths": .int(lots), "max_lots_hundredths": .int(p["max_lots_hundredths"]),
            ])
        }
    }
}

/// Rule 2: several deposits just under a reporting threshold within a window (structuring, "smurfing").
public struct StructuringRule: AMLRule {
    public let id = "structuring"
    public init() {}

    public func evaluate(_ s: AMLSubject, _ p: AMLRuleSettings, in tx: TenantTransaction) async throws -> [AMLFinding] {
        let threshold = p["threshold_minor"]
        let floor = threshold - threshold * p["margin_percent"] / 100
        let rows = try await tx.query("""
            SELECT id, amount, created_at FROM payments
            WHERE user_id = \(s.client) AND kind = 'deposit' AND status NOT IN ('failed', 'rejected')
              AND amount >= \(floor) AND amount < \(threshold) AND created_at <= \(s.now)
            ORDER BY created_at, id
            """).collect()
        let deposits = try rows.map { try $0.decode((UUID, Int64, Date).self) }
        let window = TimeInterval(p["window_hours"]) * 3_600
        var findings: [AMLFinding] = []
        var start = 0
        // The first window holding enough deposits fires; the next search starts after it so one burst is one alert.
        while start < deposits.count {
            let inWindow = deposits[start...].prefix { $0.2.timeIntervalSince(deposits[start].2) <= window }
            if inWindow.count >= Int(p["min_count"]) {
                let ids = inWindow.map { $0.0.uuidString.lowercased() }
                findings.append(AMLFinding(key: ids[0], facts: [
                    "deposit_ids": .list(ids), "count": .int(Int64(ids.count)), "total_minor": .int(inWindow.reduce(0) { $0 + $1.1 }),
                    "threshold_minor": .int(threshold), "floor_minor": .int(floor), "window_hours": .int(p["window_hours"]),
                ]))
                start += inWindow.count
            } else {
                start += 1
            }
        }
        return findings
    }
}

/// Rule 3: money comes in by one method and leaves by another (card in, wire out).
public struct MethodSwitchingRule: AMLRule {
    public let id = "method_switching"
    public init() {}

    public func evaluate(_ s: AMLSubject, _ p: AMLRuleSettings, in tx: TenantTransaction) async throws -> [AMLFinding] {
        let rows = try await tx.query("""
            SELECT w.id, w.psp_type, w.psp_id, w.amount, w.currency,
                   ARRAY(SELECT DISTINCT d.psp_type FROM payments d
                         WHERE d.user_id = w.user_id AND d.kind = 'deposit' AND d.status = 'succeeded' AND d.created_at <= w.created_at
                           AND d.created_at >= w.created_at - make_interval(days => \(p["window_days"])::int) ORDER BY d.psp_type)
            FROM payments w
            WHERE w.user_id = \(s.client) AND w.kind = 'withdrawal' AND w.status NOT IN ('rejected', 'failed')
              AND w.amount >= \(p["min_amount_minor"]) AND w.created_at <= \(s.now)
            ORDER BY w.created_at
            """).collect()
        return try rows.compactMap { row in
            let (wid, method, psp, amount, currency, depositMethods) = try row.decode((UUID, String, String, Int64, String, [String]).self)
            guard !depositMethods.isEmpty, !depositMethods.contains(method) else { return nil }
            return AMLFinding(key: wid.uuidString.lowercased(), facts: [
                "withdrawal_id": .text(wid.uuidString.lowercased()), "withdrawal_method": .text(method), "withdrawal_psp": .text(psp),
                "withdrawal_minor": .int(amount), "currency": .text(currency), "deposit_methods": .list(depositMethods),
            ])
        }
    }
}

/// Rule 4: the payer the PSP reported is not the client (someone else paid in).
public struct ThirdPartyPayerRule: AMLRule {
    public let id = "third_party_payer"
    public init() {}

    public func evaluate(_ s: AMLSubject, _ p: AMLRuleSettings, in tx: TenantTransaction) async throws -> [AMLFinding] {
        let rows = try await tx.query("""
            SELECT d.id, d.amount, d.currency, d.payer_name, u.name FROM payments d JOIN users u ON u.id = d.user_id
            WHERE d.user_id = \(s.client) AND d.kind = 'deposit' AND d.status = 'succeeded' AND d.payer_name <> ''
              AND d.amount >= \(p["min_amount_minor"]) AND d.created_at <= \(s.now)
            ORDER BY d.created_at
            """).collect()
        return try rows.compactMap { row in
            let (id, amount, currency, payer, name) = try row.decode((UUID, Int64, String, String, String).self)
            guard PersonName.tokens(payer) != PersonName.tokens(name) else { return nil }
            return AMLFinding(key: id.uuidString.lowercased(), facts: [
                "deposit_id": .text(id.uuidString.lowercased()), "deposit_minor": .int(amount), "currency": .text(currency),
                "payer_name": .text(payer), "client_name": .text(name),
            ])
        }
    }
}

/// Name comparison for payer checks: case, diacritics, punctuation and word order do not matter.
enum PersonName {
    static func tokens(_ name: String) -> Set<String> {
        let folded = name.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: Locale(identifier: "en_US_POSIX")).lowercased()
        return Set(folded.split { !$0.isLetter && !$0.isNumber }.map(String.init))
    }
}
