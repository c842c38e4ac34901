import AtriumCore
import AtriumHTTP
import AtriumPartners
import AtriumStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Commission lines search: filters, keyset pagination, traced to the deal", .timeLimit(.minutes(3)))
struct CommissionLineSearchTests {
    /// Five lines of one IB (and one of another) written as the engine writes them: deals 101–105
    /// on 1–5 March 2030, EURUSD ×3, XAUUSD, BTCUSD, one excluded for hold time.
    static func seed(_ f: PlanEditorTests.Shared, tag: String) async throws -> (ib: String, client: String) {
        let ib = "lines-ib-\(tag)@aurora.test", other = "lines-other-\(tag)@aurora.test", client = "lines-client-\(tag)@aurora.test"
        try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
            let plan = try await PartnerDemoSeed.ensurePublishedPlan(name: "Lines \(tag)", body: PartnerDemoSeed.hybridPlan(currency: "USD", symbolGroups: ["forex", "metals", "crypto"]),
                                                                     symbolGroups: ["forex", "metals", "crypto"], in: tx)
            let version = try #require(try await CommissionPlans.versions(plan: plan, in: tx).first?.id)
            func user(_ audience: String, _ email: String) async throws -> UUID {
                try #require(try await tx.query("INSERT INTO users (audience, email, name) VALUES (\(audience), \(email), 'Lines') RETURNING id")
                    .collect().first?.decode(UUID.self))
            }
            let clientID = try await user("trader", client)
            var partners: [UUID] = []
            for email in [ib, other] {
                let p = UUID()
                try await tx.query("INSERT INTO partners (id, user_id, wallet_currency) VALUES (\(p), \(try await user("ib", email)), 'USD')")
                partners.append(p)
            }
            let lines: [(deal: Int64, day: Int, symbol: String, group: String, excluded: String?, partner: Int)] = [
                (101, 1, "EURUSD", "forex", nil, 0), (102, 2, "XAUUSD", "metals", nil, 0), (103, 3, "EURUSD", "forex", "hold_time", 0),
                (104, 4, "BTCUSD", "crypto", nil, 0), (105, 5, "EURUSD", "forex", nil, 0), (106, 5, "EURUSD", "forex", nil, 1),
            ]
            for l in lines {
                let time = Date(timeIntervalSince1970: 1_898_553_600 + Double(l.day - 1) * 86_400 + 3_600) // 2030-03-0<day>T01:00Z
                let amount: Int64 = l.excluded == nil ? 250 : 0
                try await tx.query("""
                    INSERT INTO commission_lines (connection_id, deal, deal_revision, deal_time, client_id, partner_id, level, component, kind,
                                                  plan_version_id, symbol, symbol_group, lots_ext, rate, base_currency, fx_rate, amount, currency, excluded, status)
                    VALUES ('mt5-live', \(l.deal), 1, \(time), \(clientID), \(partners[l.partner]), 1, 'rebate', 'accrual', \(version), \(l.symbol), \(l.group),
                            50000000, '5.00 USD/lot', 'USD', 1, \(amount), 'USD', \(l.excluded), \(l.excluded == nil ? "pending" : "excluded"))
                    """)
            }
        }
        return (ib, client)
    }

    @Test("filters by IB, client, deal, symbol, dates and status; pages of 2 walk all 5 lines once, newest first")
    func filtersAndPages() async throws {
        let f = try await PlanEditorTests.shared.value
        let tag = String(UUID().uuidString.prefix(8)).lowercased()
        let (ib, client) = try await Self.seed(f, tag: tag)
        try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
            var seen: [Int64] = []
            var before: Int64?
            var pages = 0
            repeat {
                let page = try await CommissionLineSearch.page(CommissionLineFilter(partnerEmail: ib), before: before, limit: 2, in: tx)
                seen += page.lines.map(\.id)
                before = page.next
                pages += 1
                #expect(page.lines.count == (pages < 3 ? 2 : 1))
            } while before != nil && pages < 10
            #expect(pages == 3)
            #expect(seen.count == 5 && Set(seen).count == 5)
            #expect(seen == seen.sorted(by: >))
            func deals(_ filter: CommissionLineFilter) async throws -> [Int64] {
                try await CommissionLineSearch.page(filter, in: tx).lines.map(\.deal)
            }
            #expect(try await deals(CommissionLineFilter(partnerEmail: ib.uppercased(), symbol: "eurusd")) == [105, 103, 101])
            #expect(try await deals(CommissionLineFilter(clientEmail: client)) == [106, 105, 104, 103, 102, 101])
            #expect(try await deals(CommissionLineFilter(partnerEmail: ib, deal: 102)) == [102])
            #expect(try await deals(CommissionLineFilter(partnerEmail: ib, status: "excluded")) == [103])
            #expect(try await deals(CommissionLineFilter(partnerEmail: ib, from: Date(timeIntervalSince1970: 1_898_640_000),
                                                         to: Date(timeIntervalSince1970: 1_898_812_800))) == [103, 102])
            let line = try #require(try await CommissionLineSearch.page(CommissionLineFilter(partnerEmail: ib, deal: 103), in: tx).lines.first)
            #expect(line.excluded == "hold_time" && line.amount == 0 && line.lotsExt == 50_000_000 && line.rate == "5.00 USD/lot")
            #expect(line.planName == "Lines \(tag)" && line.planVersion == 1 && line.fxRate == "1.000000000000")
        }
    }

    @Test("the page shows each line with its deal, lots, rate, plan version, FX rate, amount and exclusion; a malformed filter is a 400 naming it")
    func page() async throws {
        let tag = String(UUID().uuidString.prefix(8)).lowercased()
        try await PlanEditorTests.signedIn { web, f in
            let (ib, _) = try await Self.seed(f, tag: tag)
            let first = try await web.get("/admin/partners/commissions?ib=\(ib)&limit=2")
            #expect(first.status == .ok)
            #expect(first.body.components(separatedBy: "data-line=").count - 1 == 2)
            #expect(first.body.contains(#"data-deal="105""#) && first.body.contains(#"data-deal="104""#))
            let next = try #require(first.body.firstMatch(of: /href="([^"]+)" id="next-page"/)?.1).description
                .replacingOccurrences(of: "&amp;", with: "&")
            let second = try await web.get(next)
            #expect(second.body.contains(#"data-deal="103""#) && second.body.contains(#"data-deal="102""#))
            #expect(!second.body.contains(#"data-deal="105""#))
            #expect(second.body.contains("excluded: hold time"))
            #expect(second.body.contains("<code>mt5-live:103</code>"))
            #expect(second.body.contains("0.5") && second.body.contains("5.00 USD/lot") && second.body.contains("Lines \(tag) v1"))
            #expect(second.body.contains("1.000000000000") && second.body.contains("2.50 USD"))
            for (query, field) in [("deal=abc", "deal"), ("from=yesterday", "from"), ("status=paid", "status")] {
                let bad = try await web.get("/admin/partners/commissions?\(query)")
                #expect(bad.status == .badRequest, "\(query)")
                #expect(bad.body.contains("\(field):"), "\(query)")
            }
        }
    }
}
