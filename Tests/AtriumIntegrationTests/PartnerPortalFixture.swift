import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumPartners
import AtriumStorage
import AtriumTenancy
import Foundation
import PostgresNIO
import Testing

/// A small IB network written with SQL (the engine lane writes lines in parallel; these rows
/// follow the schema of 0016): A (top) → B → C, and X beside them; clients of each; commission
/// lines this month and last; settlements.
///
/// Lines of A this month (USD): rebate 7.50 + revshare 1.23 on deal 1001 (c1, 1.5 lots),
/// rebate 1.25 on 1002 (c2, 0.25 lot, settled), an excluded 0 on 1003 (c2, 0.1 lot), 2.00 and its
/// reversal −2.00 on 1004 (c2, 0.05 lot), overrides 1.00 (level 2 on B's client c3) and 0.50
/// (level 3 on C's client c5), and a symbol with a comma and a quote on 1005 (c1, 0 lot, 0.33).
/// Total 11.81 USD; level-1 lots 1.5 + 0.25 + 0.1 = 1.85; clients c1, c2 (c6 moved to X
/// yesterday); funded c1.
struct PartnerPortalFixture: Sendable {
    let tenant: TenantRecord
    let a: UUID, b: UUID, c: UUID, x: UUID
    let c1: UUID, c2: UUID, c3: UUID, c4: UUID, c5: UUID, c6: UUID
    let aLink: UUID, aLinkCode: String, xLink: UUID, xLinkCode: String
    let now: Date

    static let password = "ib-portal-pass-1"
    static let monthTotalMinor: Int64 = 750 + 123 + 125 + 0 + 200 - 200 + 100 + 50 + 33
    static let todayMinor: Int64 = monthTotalMinor

    static func email(_ name: String, _ slug: String) -> String { "ib-\(name)@\(slug).test" }

    static func make(_ s: AppServices, tenant: TenantRecord) async throws -> PartnerPortalFixture {
        let hash = try await s.authenticator.hasher.hash(password)
        let slug = tenant.handle.slug
        let now = Date()
        return try await s.tenantDB.transaction(tenant.handle) { tx in
            func ib(_ name: String, _ display: String) async throws -> UUID {
                let user = try #require(try await Users.create(audience: .ib, email: email(name, slug), name: display, passwordHash: hash, in: tx))
                return try #require(try await tx.query("INSERT INTO partners (user_id, wallet_currency) VALUES (\(user), 'USD') RETURNING id").collect().first?.decode(UUID.self))
            }
            func client(_ name: String, country: String, kyc: String = "not_started") async throws -> UUID {
                try #require(try await tx.query("""
                    INSERT INTO users (audience, email, name, country, kyc_status) VALUES ('trader', \(name.lowercased().replacingOccurrences(of: " ", with: ".") + "@clients.test"), \(name), \(country), \(kyc))
                    RETURNING id
                    """).collect().first?.decode(UUID.self))
            }
            func link(_ partner: UUID, _ code: String, _ campaign: String, target: String, isDefault: Bool) async throws -> UUID {
                try #require(try await tx.query("""
                    INSERT INTO partner_links (partner_id, code, campaign, target, is_default) VALUES (\(partner), \(code), \(campaign), \(target), \(isDefault)) RETURNING id
                    """).collect().first?.decode(UUID.self))
            }
            func attribute(_ client: UUID, _ partner: UUID, link: UUID?, at: Date, reason: String = "registration") async throws {
                try await tx.query("INSERT INTO client_attributions (client_id, partner_id, link_id, effective_from, reason) VALUES (\(client), \(partner), \(link), \(at), \(reason))")
            }
            let a = try await ib("a", "Alice Alpha"), b = try await ib("b", "Bob Beta"), c = try await ib("c", "Carla Gamma"), x = try await ib("x", "Xavier Other")
            let longAgo = now.addingTimeInterval(-90 * 86_400)
            try await tx.query("INSERT INTO partner_parents (partner_id, parent_id, effective_from) VALUES (\(a), NULL, \(longAgo)), (\(b), \(a), \(longAgo)), (\(c), \(b), \(longAgo)), (\(x), NULL, \(longAgo))")
            let aLinkCode = "alphaDefault", xLinkCode = "xrayDefault"
            let aLink = try await link(a, aLinkCode, "default", target: "register", isDefault: true)
            let xLink = try await link(x, xLinkCode, "default", target: "register", isDefault: true)
            let bLink = try await link(b, "betaDefault", "default", target: "register", isDefault: true)
            let c1 = try await client("Zed Client", country: "DE", kyc: "approved"), c2 = try await client("Yara Client", country: "FR")
            let c3 = try await client("Walt Client", country: "ES"), c4 = try await client("Vera Client", country: "IT")
            let c5 = try await client("Uma Client", country: "PT"), c6 = try await client("Tom Client", country: "NL")
            try await attribute(c1, a, link: aLink, at: longAgo)
            try await attribute(c2, a, link: aLink, at: longAgo)
            try await attribute(c3, b, link: bLink, at: longAgo)
            try await attribute(c4, x, link: xLink, at: longAgo)
            try await attribute(c5, c, link: nil, at: longAgo)
            // c6 came through A's link but was moved to X yesterday: A's no more.
            try await attribute(c6, a, link: aLink, at: longAgo)
            try await attribute(c6, x, link: nil, at: now.addingTimeInterval(-86_400), reason: "reassigned")
            // c1 funded; c2 only a failed deposit.
            try await tx.query("""
                INSERT INTO payments (kind, user_id, psp_id, psp_type, currency, amount, status, reference, idempotency_key)
                VALUES ('deposit', \(c1), 'sandbox', 'card', 'USD', 10000, 'succeeded', 'REF-C1', 'k1'),
                       ('deposit', \(c2), 'sandbox', 'card', 'USD', 10000, 'failed', 'REF-C2', 'k2')
                """)
            let plan = try #require(try await tx.query("INSERT INTO commission_plans (name) VALUES ('Hybrid') RETURNING id").collect().first?.decode(UUID.self))
            let version = try #require(try await tx.query("""
                INSERT INTO commission_plan_versions (plan_id, version, body, effective_from, status, published_at)
                VALUES (\(plan), 3, '{}'::jsonb, \(longAgo), 'published', \(longAgo)) RETURNING id
                """).collect().first?.decode(UUID.self))
            let thisMonth = now.addingTimeInterval(-60)
            let lastMonth = PartnerPeriod(containing: now).start.addingTimeInterval(-86_400)
            let settlement = UUID()
            try await tx.query("""
                INSERT INTO commission_settlements (id, partner_id, period_start, period_end, currency, amount, lines, status, posted_at)
                VALUES (\(settlement), \(a), \(lastMonth), \(lastMonth), 'USD', 400, 1, 'posted', \(now)),
                       (\(UUID()), \(x), \(lastMonth), \(lastMonth), 'USD', 77700, 9, 'posted', \(now))
                """)
            @discardableResult
            func line(_ partner: UUID, deal: Int64, client: UUID, level: Int = 1, component: String = "rebate", kind: String = "accrual",
                      symbol: String = "EURUSD", lots: Int64, rate: String = "5.00 USD/lot", amount: Int64, status: String = "pending",
                      excluded: String? = nil, at: Date, corrects: Int64? = nil, settlementID: UUID? = nil) async throws -> Int64 {
                try #require(try await tx.query("""
                    INSERT INTO commission_lines (connection_id, deal, deal_revision, deal_time, client_id, partner_id, level, component, kind,
                        plan_version_id, symbol, symbol_group, lots_ext, rate, base_currency, amount, currency, excluded, status, corrects, settlement_id)
                    VALUES ('mt5-demo', \(deal), 1, \(at), \(client), \(partner), \(level), \(component), \(kind), \(version), \(symbol), 'forex',
                        \(lots), \(rate), 'USD', \(amount), 'USD', \(excluded), \(status), \(corrects), \(settlementID))
                    RETURNING id
                    """).collect().first?.decode(Int64.self))
            }
            try await line(a, deal: 1001, client: c1, lots: 150_000_000, amount: 750, at: thisMonth)
            try await line(a, deal: 1001, client: c1, component: "revshare_commission", lots: 0, rate: "20.00%", amount: 123, at: thisMonth)
            try await line(a, deal: 1002, client: c2, lots: 25_000_000, amount: 125, status: "settled", at: thisMonth)
            try await line(a, deal: 1003, client: c2, lots: 10_000_000, amount: 0, status: "excluded", excluded: "hold_time", at: thisMonth)
            let accrual = try await line(a, deal: 1004, client: c2, lots: 5_000_000, amount: 200, at: thisMonth)
            try await line(a, deal: 1004, client: c2, kind: "reversal", lots: 5_000_000, amount: -200, at: thisMonth, corrects: accrual)
            try await line(a, deal: 1005, client: c1, component: "revshare_markup", symbol: #"GER,40"x"#, lots: 0, rate: "10.00%", amount: 33, at: thisMonth)
            // B's client c3 on deal 2001: B level 1, A level 2. C's client c5 on 3001: C 1, B 2, A 3.
            try await line(b, deal: 2001, client: c3, lots: 100_000_000, amount: 500, at: thisMonth)
            try await line(a, deal: 2001, client: c3, level: 2, lots: 100_000_000, rate: "1.00 USD/lot", amount: 100, at: thisMonth)
            try await line(c, deal: 3001, client: c5, lots: 40_000_000, amount: 200, at: thisMonth)
            try await line(b, deal: 3001, client: c5, level: 2, lots: 40_000_000, amount: 40, at: thisMonth)
            try await line(a, deal: 3001, client: c5, level: 3, lots: 40_000_000, rate: "1.25 USD/lot", amount: 50, at: thisMonth)
            // Last month: in A's statement of that month and payouts, not in this month's figures.
            try await line(a, deal: 900, client: c1, lots: 80_000_000, amount: 400, status: "settled", at: lastMonth, settlementID: settlement)
            // X's own business: never visible to A.
            try await line(x, deal: 9001, client: c4, symbol: "XAUUSD", lots: 300_000_000, amount: 99_900, at: thisMonth)
            return PartnerPortalFixture(tenant: tenant, a: a, b: b, c: c, x: x, c1: c1, c2: c2, c3: c3, c4: c4, c5: c5, c6: c6,
                                        aLink: aLink, aLinkCode: aLinkCode, xLink: xLink, xLinkCode: xLinkCode, now: now)
        }
    }
}
