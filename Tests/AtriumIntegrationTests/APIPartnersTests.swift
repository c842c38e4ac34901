import AtriumBrandAPI
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

/// Introducing brokers, their commission lines and statements through the brand API (read only).
@Suite("Brand API: partners, commission lines, statements", .serialized, .timeLimit(.minutes(4)))
struct APIPartnersTests {
    typealias F = APIResourceFixture

    @Test("an IB with two commission lines (12.50 and 7.25 USD) and a 19.75 USD statement reads back as strings; pages of 1 line carry a cursor; payments:read is 403 naming partners:read; meridian's host is 404")
    func partners() async throws {
        let s = try await F.env.value
        let trader = try await F.trader(s, "aurora", email: "ibclient@api.test")
        let aurora = try await F.tenant(s, "aurora")
        let partner = try await s.tenantDB.transaction(aurora.handle) { tx -> UUID in
            let user = try #require(try await Users.create(audience: .ib, email: "ib@api.test", name: "Ivy Broker", passwordHash: nil, in: tx))
            let partner = try #require(try await tx.query("INSERT INTO partners (user_id, wallet_currency) VALUES (\(user), 'USD') RETURNING id").collect().first?.decode(UUID.self))
            let plan = try #require(try await tx.query("INSERT INTO commission_plans (name) VALUES ('API plan') RETURNING id").collect().first?.decode(UUID.self))
            let version = try #require(try await tx.query("""
                INSERT INTO commission_plan_versions (plan_id, version, body, effective_from) VALUES (\(plan), 1, '{}', now()) RETURNING id
                """).collect().first?.decode(UUID.self))
            let statement = UUID()
            try await tx.query("""
                INSERT INTO commission_settlements (id, partner_id, period_start, period_end, currency, amount, lines, status)
                VALUES (\(statement), \(partner), '2026-11-01', '2026-11-30', 'USD', 1975, 2, 'awaiting_approval')
                """)
            for (deal, amount) in [(1, Int64(1250)), (2, Int64(725))] {
                try await tx.query("""
                    INSERT INTO commission_lines (connection_id, deal, deal_revision, deal_time, client_id, partner_id, level, component, kind,
                                                  plan_version_id, symbol, symbol_group, lots_ext, rate, base_amount, base_currency, amount, currency)
                    VALUES ('mt5-live', \(deal), 1, now(), \(trader), \(partner), 1, 'rebate', 'accrual', \(version), 'EURUSD', 'fx', 250000000,
                            '5.00 USD/lot', 0, 'USD', \(amount), 'USD')
                    """)
            }
            return partner
        }
        let key = try await F.key(s, "aurora", [.partnersRead])
        let other = try await F.key(s, "aurora", [.paymentsRead])
        let meridian = try await F.key(s, "meridian", [.partnersRead])
        try await buildApplication(services: s).test(.router) { client in
            let one = try await F.call(client, .get, "/api/v1/partners/\(partner)", token: key)
            #expect(one.status == .ok)
            let p = try one.decode(AtriumBrandAPI.Components.Schemas.Partner.self)
            #expect(p.email == "ib@api.test")
            #expect(p.status == .active)
            #expect(p.walletCurrency == "USD")
            #expect(try await F.call(client, .get, "/api/v1/partners", token: key).data.contains { $0["id"] as? String == partner.uuidString.lowercased() })

            let first = try await F.call(client, .get, "/api/v1/partners/\(partner)/commission-lines?limit=1", token: key)
            let lines1 = try first.decode(AtriumBrandAPI.Components.Schemas.CommissionLinePage.self)
            #expect(lines1.data.map(\.amount.amount) == ["7.25"])
            let cursor = try #require(lines1.nextCursor)
            let second = try await F.call(client, .get, "/api/v1/partners/\(partner)/commission-lines?limit=1&cursor=\(cursor)", token: key)
            let lines2 = try second.decode(AtriumBrandAPI.Components.Schemas.CommissionLinePage.self)
            #expect(lines2.data.map(\.amount.amount) == ["12.50"])
            #expect(lines2.data.first?.rate == "5.00 USD/lot")
            #expect(lines2.nextCursor == nil)

            let statements = try await F.call(client, .get, "/api/v1/partners/\(partner)/statements", token: key)
            let page = try statements.decode(AtriumBrandAPI.Components.Schemas.StatementPage.self)
            #expect(page.data.map(\.amount) == [.init(amount: "19.75", currency: "USD")])
            #expect(page.data.first?.periodStart == "2026-11-01")
            #expect(page.data.first?.status == .awaitingApproval)

            #expect(try await F.call(client, .get, "/api/v1/partners/\(partner)", token: other).json["scope"] as? String == "partners:read")
            #expect(try await F.call(client, .get, "/api/v1/partners/\(partner)", host: "meridian.localhost", token: meridian).status == .notFound)
            #expect(try await F.call(client, .get, "/api/v1/partners/\(partner)/commission-lines", host: "meridian.localhost", token: meridian).status == .notFound)
        }
    }
}
