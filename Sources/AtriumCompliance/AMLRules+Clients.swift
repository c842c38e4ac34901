import AtriumBrandConfig
import AtriumStorage
import Foundation
import PostgresNIO

/// Rule 5: many client accounts used from one IP address or one device (browser user agent).
public struct SharedIPRule: AMLRule {
    public let id = "shared_ip"
    public init() {}

    public func evaluate(_ s: AMLSubject, _ p: AMLRuleSettings, in tx: TenantTransaction) async throws -> [AMLFinding] {
        let since = s.now.minus(hours: p["window_days"] * 24)
        var findings: [AMLFinding] = []
        // The same query for both signals; the column name is ours, never input.
        for (kind, column) in [("ip", "ip"), ("device", "user_agent")] {
            let rows = try await tx.query("""
                SELECT mine.v, array_agg(DISTINCT o.user_id::text ORDER BY o.user_id::text)
                FROM (SELECT DISTINCT \(unescaped: column) AS v FROM sessions
                      WHERE user_id = \(s.client) AND \(unescaped: column) <> '' AND created_at >= \(since)) mine
                JOIN sessions o ON o.\(unescaped: column) = mine.v AND o.created_at >= \(since)
                JOIN users u ON u.id = o.user_id AND u.audience = 'trader'
                GROUP BY mine.v ORDER BY mine.v
                """).collect()
            for row in rows {
                let (value, clients) = try row.decode((String, [String]).self)
                guard clients.count >= Int(p["min_accounts"]) else { continue }
                findings.append(AMLFinding(key: "\(kind):\(value)", facts: [
                    "shared_by": .text(kind), "value": .text(value), "accounts": .int(Int64(clients.count)), "clients": .list(clients),
                ]))
            }
        }
        return findings
    }
}

/// Rule 6: a large deposit from a client in one of the brand's high-risk countries without proof of funds.
public struct HighRiskDepositRule: AMLRule {
    public let id = "high_risk_deposit"
    public init() {}

    public func evaluate(_ s: AMLSubject, _ p: AMLRuleSettings, in tx: TenantTransaction) async throws -> [AMLFinding] {
        let risky = s.brand.kyc?.highRiskCountries ?? []
        guard !risky.isEmpty else { return [] }
        // Proof of funds on file at evaluation time clears the deposit, even when uploaded after it.
        let rows = try await tx.query("""
            SELECT d.id, d.amount, d.currency, CASE WHEN u.country <> '' THEN u.country ELSE COALESCE(u.registration_country, '') END
            FROM payments d JOIN users u ON u.id = d.user_id
            WHERE d.user_id = \(s.client) AND d.kind = 'deposit' AND d.status = 'succeeded' AND d.amount >= \(p["min_amount_minor"])
              AND d.created_at <= \(s.now)
              AND NOT EXISTS (SELECT 1 FROM kyc_documents k WHERE k.user_id = d.user_id AND k.kind = 'proof_of_funds')
            ORDER BY d.created_at
            """).collect()
        return try rows.compactMap { row in
            let (id, amount, currency, country) = try row.decode((UUID, Int64, String, String).self)
            guard risky.contains(country) else { return nil }
            return AMLFinding(key: id.uuidString.lowercased(), facts: [
                "deposit_id": .text(id.uuidString.lowercased()), "deposit_minor": .int(amount), "currency": .text(currency),
                "country": .text(country), "proof_of_funds": .text("missing"), "min_amount_minor": .int(p["min_amount_minor"]),
            ])
        }
    }
}

/// Rule 7: an account with no payments or trades for N days suddenly moves a large amount.
public struct DormantReactivationRule: AMLRule {
    public let id = "dormant_reactivation"
    public init() {}

    public func evaluate(_ s: AMLSubject, _ p: AMLRuleSettings, in tx: TenantTransaction) async throws -> [AMLFinding] {
        // Logins are not activity: the client signs in to make the very movement we look at.
        let rows = try await tx.query("""
            SELECT m.id, m.kind, m.amount, m.currency, (extract(epoch FROM m.created_at - last.at) / 86400)::bigint
            FROM payments m JOIN users u ON u.id = m.user_id
            CROSS JOIN LATERAL (SELECT GREATEST(u.created_at,
                    (SELECT max(o.created_at) FROM payments o WHERE o.user_id = m.user_id AND o.created_at < m.created_at AND o.id <> m.id),
                    (SELECT max(td.close_time) FROM trading_deals td JOIN trading_accounts ta ON ta.id = td.account_id
                     WHERE ta.user_id = m.user_id AND td.close_time < m.created_at)) AS at) last
            WHERE m.user_id = \(s.client) AND m.amount >= \(p["min_amount_minor"]) AND m.created_at <= \(s.now)
              AND ((m.kind = 'deposit' AND m.status = 'succeeded') OR (m.kind = 'withdrawal' AND m.status NOT IN ('rejected', 'failed')))
            ORDER BY m.created_at
            """).collect()
        return try rows.compactMap { row in
            let (id, kind, amount, currency, days) = try row.decode((UUID, String, Int64, String, Int64).self)
            guard days >= p["dormant_days"] else { return nil }
            return AMLFinding(key: id.uuidString.lowercased(), facts: [
                "payment_id": .text(id.uuidString.lowercased()), "kind": .text(kind), "amount_minor": .int(amount), "currency": .text(currency),
                "days_dormant": .int(days), "dormant_days": .int(p["dormant_days"]),
            ])
        }
    }
}

/// Rule 8: several clients of one IB share an IP address, a device or a payer (payment instrument).
public struct ReferralClusterRule: AMLRule {
    public let id = "referral_cluster"
    public init() {}

    public func evaluate(_ s: AMLSubject, _ p: AMLRuleSettings, in tx: TenantTransaction) async throws -> [AMLFinding] {
        guard let partner = try await tx.query("""
            SELECT partner_id FROM client_attributions WHERE client_id = \(s.client) AND effective_from <= \(s.now)
            ORDER BY effective_from DESC LIMIT 1
            """).collect().first?.decode(UUID.self) else { return [] }
        let since = s.now.minus(hours: p["window_days"] * 24)
        var findings: [AMLFinding] = []
        // Our own SQL fragments (never input); the partner's current clients are those whose latest attribution names it.
        let signals: [(String, String)] = [
            ("ip", "SELECT user_id, ip AS v, created_at AS at FROM sessions WHERE ip <> ''"),
            ("device", "SELECT user_id, user_agent AS v, created_at AS at FROM sessions WHERE user_agent <> ''"),
            ("payer", "SELECT user_id, lower(payer_name) AS v, created_at AS at FROM payments WHERE kind = 'deposit' AND payer_name <> ''"),
        ]
        for (kind, source) in signals {
            let rows = try await tx.query("""
                WITH peers AS (SELECT a.client_id FROM client_attributions a
                               WHERE a.partner_id = \(partner) AND a.effective_from <= \(s.now)
                                 AND NOT EXISTS (SELECT 1 FROM client_attributions b WHERE b.client_id = a.client_id
                                                 AND b.effective_from > a.effective_from AND b.effective_from <= \(s.now))),
                     seen AS (SELECT user_id, v FROM (\(unescaped: source)) x WHERE at >= \(since) AND at <= \(s.now))
                SELECT mine.v, array_agg(DISTINCT o.user_id::text ORDER BY o.user_id::text)
                FROM (SELECT DISTINCT v FROM seen WHERE user_id = \(s.client)) mine
                JOIN seen o ON o.v = mine.v JOIN peers ON peers.client_id = o.user_id
                GROUP BY mine.v ORDER BY mine.v
                """).collect()
            for row in rows {
                let (value, clients) = try row.decode((String, [String]).self)
                guard clients.count >= Int(p["min_clients"]) else { continue }
                findings.append(AMLFinding(key: "\(partner.uuidString.lowercased()):\(kind):\(value)", facts: [
                    "partner_id": .text(partner.uuidString.lowercased()), "shared_by": .text(kind), "value": .text(value),
                    "clients": .list(clients), "count": .int(Int64(clients.count)),
                ]))
            }
        }
        return findings
    }
}
