import AtriumCore
import AtriumHTTP
import AtriumStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Plan editor preview", .timeLimit(.minutes(3)))
struct PlanPreviewTests {
    @Test("the preview runs a month's deals through a draft: 1 lot of EURUSD at 5.00/lot is 5.00 USD more than paid now, and nothing is written")
    func previewOfDraft() async throws {
        let tag = String(UUID().uuidString.prefix(8)).lowercased()
        try await PlanEditorTests.signedIn { web, f in
            // setup: an IB with one client whose account opened and closed 1 lot of EURUSD two minutes apart on 5 October 2026.
            let ib = "preview-ib-\(tag)@aurora.test"
            let (partner, position) = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                func user(_ audience: String, _ email: String) async throws -> UUID {
                    try #require(try await tx.query("INSERT INTO users (audience, email, name) VALUES (\(audience), \(email), 'Preview') RETURNING id")
                        .collect().first?.decode(UUID.self))
                }
                let partner = UUID()
                try await tx.query("INSERT INTO partners (id, user_id, wallet_currency) VALUES (\(partner), \(try await user("ib", ib)), 'USD')")
                let client = try await user("trader", "preview-client-\(tag)@aurora.test")
                try await tx.query("""
                    INSERT INTO client_attributions (client_id, partner_id, effective_from, reason) VALUES (\(client), \(partner), '2025-01-01Z', 'created_by_staff')
                    """)
                let login = "9\(Int.random(in: 10_000_000...99_999_999))"
                let account = try #require(try await tx.query("""
                    INSERT INTO trading_accounts (user_id, connection_id, login, kind, account_type, platform_group, currency, leverage, idempotency_key)
                    VALUES (\(client), 'mt5-live', \(login), 'live', 'standard', 'real\\standard', 'USD', 100, 'preview') RETURNING id
                    """).collect().first?.decode(UUID.self))
                let position = Int64.random(in: 1_000_000_000...9_000_000_000)
                let opened: Int64 = 1_791_194_400_000
                for (deal, entry, time, closed) in [(position, "in", opened, Int64(0)), (position + 1, "out", opened + 120_000, Int64(100_000_000))] {
                    try await tx.query("""
                        INSERT INTO platform_deals (connection_id, deal, login, account_id, position_id, entry, side, symbol, volume_ext, closed_volume_ext,
                                                    commission, currency, time_msc)
                        VALUES ('mt5-live', \(deal), \(login), \(account), \(position), \(entry), 'buy', 'EURUSD', 100000000, \(closed), -350, 'USD', \(time))
                        """)
                }
                return (partner, position)
            }
            let base = try await PlanEditorTests.createPlan(web, "Preview \(tag)")
            let draft = PlanEditorTests.form(["levels": "1", "rebate_0_amounts": "5.00", "revshare_commission": "", "cap_per_lot": ""])
            #expect(try await web.post(base + "/versions", draft, csrfFrom: base).status == .seeOther)
            // MUT
            let page = try await web.get(base + "/versions/1?preview=1&month=2026-10&partner=\(ib)")
            // validate
            #expect(page.status == .ok)
            #expect(page.body.contains(#"<tr class="preview-total" data-currency="USD"><th scope="row" colspan="3">Total USD</th><td class="num">0.00</td><td class="num">5.00</td><td class="num">5.00</td></tr>"#))
            #expect(page.body.contains("<td>\(ib)</td><td>Rebate</td><td class=\"num\">1</td>"))
            let other = try await web.get(base + "/versions/1?preview=1&month=2026-09&partner=\(ib)")
            #expect(!other.body.contains("preview-total"), "September has no deal")
            let unknown = try await web.get(base + "/versions/1?preview=1&month=2026-10&partner=nobody-\(tag)@aurora.test")
            #expect(unknown.status == .unprocessableContent && unknown.body.contains(#"data-field="partner""#))
            let badMonth = try await web.get(base + "/versions/1?preview=1&month=October")
            #expect(badMonth.status == .unprocessableContent && badMonth.body.contains(#"data-field="month""#))
            let written = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                try await tx.query("SELECT count(*)::int FROM commission_lines WHERE partner_id = \(partner) OR deal = \(position + 1)").collect().first?.decode(Int.self)
            }
            #expect(written == 0)
        }
    }
}
