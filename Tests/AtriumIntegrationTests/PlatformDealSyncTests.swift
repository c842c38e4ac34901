import AtriumCore
import AtriumLedger
import AtriumStorage
import AtriumHTTP
@testable import AtriumTrading
import Foundation
import PostgresNIO
import Testing

@Suite("Deal-level sync into platform_deals", .timeLimit(.minutes(3)))
struct PlatformDealSyncTests {
    static func count(_ s: AppServices, _ handle: TenantHandle, _ sql: String) async throws -> Int {
        try await s.tenantDB.transaction(handle) { tx in try await tx.query(PostgresQuery(unsafeSQL: sql)).collect().first?.decode(Int.self) ?? -1 }
    }

    @Test("MT5: open, partial close, reversal and close-by become exact rows (entry, VolumeExt, closed volume, commission, TimeMsc); a rerun adds nothing; a correction is revision 2 with a larger seq")
    func mt5Sequence() async throws {
        try await SandboxPlatformHarness.with { sandbox in
            try await TestEnv.with("dealsmt5", environment: TradeFixture.environment(sandbox)) { s in
                // setup: a mapped USD account on Aurora's MT5 connection (server time UTC+2)
                let a = try await MappedAccount.make(s, slug: "aurora", connection: "mt5-live", accountType: "standard", currency: "USD", leverage: 100)
                let script = try await sandbox.scriptedSequence(login: a.login)
                try #require(script.count == 6)
                let (open, partial, reversal, second, byFirst, bySecond) = (script[0], script[1], script[2], script[3], script[4], script[5])
                // MUT
                try await s.trading.syncOnce(tenant: a.handle, brand: a.brand, connectionID: "mt5-live")
                // validate: hand-computed from the script (commission 0.35 per 0.1 lot, cut toward zero once;
                // EURUSD 0.1 lot moves 1.00 USD per pip)
                let rows = try await StoredDeal.all(s, a.handle, connection: "mt5-live")
                let expected: [StoredDeal] = [
                    StoredDeal(deal: open.deal, position: open.deal, entry: "in", side: "buy", volumeExt: 123_456_789, closedVolumeExt: 0,
                               commission: -432, profit: 0, timeMsc: open.timeMsc, currency: "USD", status: "booked", revision: 1, seq: 0),
                    StoredDeal(deal: partial.deal, position: open.deal, entry: "out", side: "sell", volumeExt: 50_000_000, closedVolumeExt: 50_000_000,
                               commission: -175, profit: 5_000, timeMsc: partial.timeMsc, currency: "USD", status: "booked", revision: 1, seq: 0),
                    // 1.0 lot against the 0.73456789 left: that part closes (profit on 0.7345 lot, MT5's Volume
                    // precision), the other 0.26543211 opens a sell under the same position id
                    StoredDeal(deal: reversal.deal, position: open.deal, entry: "inout", side: "sell", volumeExt: 100_000_000, closedVolumeExt: 73_456_789,
                               commission: -350, profit: 14_690, timeMsc: reversal.timeMsc, currency: "USD", status: "booked", revision: 1, seq: 0),
                    StoredDeal(deal: second.deal, position: second.deal, entry: "in", side: "buy", volumeExt: 10_000_000, closedVolumeExt: 0,
                               commission: -35, profit: 0, timeMsc: second.timeMsc, currency: "USD", status: "booked", revision: 1, seq: 0),
                    // the sell (opened at 1.10200) closed by the buy at its open price 1.10300: 10 pips against 0.1 lot = -10.00
                    StoredDeal(deal: byFirst.deal, position: open.deal, entry: "out_by", side: "buy", volumeExt: 10_000_000, closedVolumeExt: 10_000_000,
                               commission: -35, profit: -1_000, timeMsc: byFirst.timeMsc, currency: "USD", status: "booked", revision: 1, seq: 0),
                    StoredDeal(deal: bySecond.deal, position: second.deal, entry: "out_by", side: "sell", volumeExt: 10_000_000, closedVolumeExt: 10_000_000,
                               commission: -35, profit: 0, timeMsc: bySecond.timeMsc, currency: "USD", status: "booked", revision: 1, seq: 0),
                ]
                #expect(rows.map { var r = $0; r.seq = 0; return r } == expected)
                #expect(Set(rows.map(\.seq)).count == 6)
                // time_msc equals the sandbox's millisecond time, so it came from TimeMsc (shifted from UTC+2), not Time × 1,000
                #expect(try await Self.count(s, a.handle, "SELECT count(*) FROM trading_deals") == 1, "the Trader's Room view keeps only ENTRY_OUT deals, as before")

                // MUT: a second pass re-reads the overlap window
                try await s.trading.syncOnce(tenant: a.handle, brand: a.brand, connectionID: "mt5-live")
                #expect(try await StoredDeal.all(s, a.handle, connection: "mt5-live") == rows, "a rerun changes nothing")

                // MUT: the dealer corrects the partial close (0.6 lot, commission 2.00) and sync runs again
                let corrected = try await sandbox.trade("correct-deal", ["deal": String(partial.deal), "volume": "0.6", "commission": "-2.00"])
                #expect(corrected.first?.volumeExt == 60_000_000)
                try await s.trading.syncOnce(tenant: a.handle, brand: a.brand, connectionID: "mt5-live")
                let after = try await StoredDeal.all(s, a.handle, connection: "mt5-live")
                let row = try #require(after.first { $0.deal == partial.deal })
                #expect(row.status == "corrected")
                #expect(row.revision == 2)
                #expect(row.volumeExt == 60_000_000)
                #expect(row.closedVolumeExt == 60_000_000)
                #expect(row.commission == -200)
                #expect(row.seq > (rows.map(\.seq).max() ?? .max))
                #expect(after.filter { $0.deal != partial.deal } == rows.filter { $0.deal != partial.deal }, "the other deals are untouched")
                #expect(after.count == 6)
            }
        }
    }

    @Test("Match-Trader: each closed position (partial close, reversal, both sides of a close-by) becomes its IN and OUT deal with ids 2n and 2n+1")
    func matchTraderSequence() async throws {
        try await SandboxPlatformHarness.with { sandbox in
            try await TestEnv.with("dealsmtr", environment: TradeFixture.environment(sandbox)) { s in
                // setup: a mapped EUR account on Kite's Match-Trader connection
                let a = try await MappedAccount.make(s, slug: "kite", connection: "mtr-live", accountType: "retail", currency: "EUR", leverage: 20)
                let script = try await sandbox.scriptedSequence(login: a.login, lots: "1.2345")
                try #require(script.count == 6)
                let (open, partial, reversal, second, byFirst, bySecond) = (script[0], script[1], script[2], script[3], script[4], script[5])
                // MUT
                let pass = try await s.trading.syncOnce(tenant: a.handle, brand: a.brand, connectionID: "mtr-live")
                // validate: four closed positions (the opening deals are not closed positions on Match-Trader)
                #expect(pass.deals == 4)
                func cents(_ text: String) throws -> Int64 { try #require(DecimalText.minor(text, exponent: 2)) }
                func seconds(_ ms: Int64) -> Int64 { ms / 1_000 * 1_000 }
                // closed volume, position side, round-trip commission: the closing deal's (its closed share
                // for a reversal) plus the opening deal's share of 4.32 (cut toward zero)
                let closed: [(ScriptedDeal, ScriptedDeal, Int64, String, Int64)] = [
                    (partial, open, 50_000_000, "buy", -175 - 174),
                    (reversal, open, 73_450_000, "buy", -257 - 257),
                    (byFirst, open, 10_000_000, "sell", -35 - 34),
                    (bySecond, second, 10_000_000, "buy", -35 - 35),
                ]
                var expected: [StoredDeal] = []
                for (deal, opening, volume, side, commission) in closed {
                    expected.append(StoredDeal(deal: 2 * deal.deal, position: deal.deal, entry: "in", side: side, volumeExt: volume, closedVolumeExt: 0,
                                               commission: 0, profit: 0, timeMsc: seconds(opening.timeMsc), currency: "EUR", status: "booked", revision: 1, seq: 0))
                    expected.append(StoredDeal(deal: 2 * deal.deal + 1, position: deal.deal, entry: "out", side: side == "buy" ? "sell" : "buy", volumeExt: volume,
                                               closedVolumeExt: volume, commission: commission, profit: try cents(deal.profit), timeMsc: seconds(deal.timeMsc),
                                               currency: "EUR", status: "booked", revision: 1, seq: 0))
                }
                let rows = try await StoredDeal.all(s, a.handle, connection: "mtr-live")
                #expect(rows.map { var r = $0; r.seq = 0; return r } == expected)
                #expect(try await Self.count(s, a.handle, "SELECT count(*) FROM trading_deals") == 4)
                // MUT: rerun
                let again = try await s.trading.syncOnce(tenant: a.handle, brand: a.brand, connectionID: "mtr-live")
                #expect(again.deals == 0)
                #expect(try await StoredDeal.all(s, a.handle, connection: "mtr-live") == rows)
            }
        }
    }

    @Test("deals on a login no account maps are kept with currency 'unknown' and no account, as trading_deals does")
    func unmappedLogin() async throws {
        try await SandboxPlatformHarness.with { sandbox in
            try await TestEnv.with("dealsunmap", environment: TradeFixture.environment(sandbox)) { s in
                // setup: an account made on Aurora's MT5 server directly, with three generated round trips
                let a = try await MappedAccount.make(s, slug: "aurora", connection: "mt5-live", accountType: "standard", currency: "USD", leverage: 100)
                let platform = try s.trading.directory.platform(a.brand, connection: "mt5-live")
                let login = try await platform.createAccount(NewPlatformAccount(group: "real\\standard", leverage: 100, currency: a.currency, name: "Desk",
                                                                                email: "desk@aurora.test", password: "Desk-pass-1234", investorPassword: "Desk-invest-1234"))
                try await sandbox.generateDeals(login: login, count: 3)
                // MUT
                try await s.trading.syncOnce(tenant: a.handle, brand: a.brand, connectionID: "mt5-live")
                // validate
                let rows = try await StoredDeal.all(s, a.handle, connection: "mt5-live")
                #expect(rows.count == 6)
                #expect(rows.map(\.entry) == ["in", "out", "in", "out", "in", "out"])
                #expect(rows.allSatisfy { $0.currency == "unknown" })
                #expect(try await Self.count(s, a.handle, "SELECT count(*) FROM platform_deals WHERE account_id IS NULL AND login = '\(login)'") == 6)
                #expect(try await Self.count(s, a.handle, "SELECT count(*) FROM trading_deals WHERE currency = 'unknown'") == 3)
            }
        }
    }

    @Test("a page cut short after its first chunk resumes from the stored cursor: no deal or trade twice, none lost")
    func interruptedPageResumes() async throws {
        try await SandboxPlatformHarness.with { sandbox in
            try await TestEnv.with("dealscut", environment: TradeFixture.environment(sandbox)) { s in
                // setup: three closed positions on Kite
                let a = try await MappedAccount.make(s, slug: "kite", connection: "mtr-live", accountType: "retail", currency: "EUR", leverage: 20)
                for _ in 0..<3 {
                    let open = try await sandbox.trade("open", ["login": a.login, "symbol": "EURUSD", "side": "sell", "volume": "0.2"])
                    _ = try await sandbox.trade("close", ["login": a.login, "position": String(try #require(open.first).position)])
                }
                let platform = try s.trading.directory.platform(a.brand, connection: "mtr-live")
                let page = try await platform.deals(groups: ["retail-eur"], after: .start, limit: 100) { _ in Currency("EUR") }
                try #require(page.trades.count == 3)
                try #require(page.deals.count == 6)
                try await s.tenantDB.transaction(a.handle) { tx in try await tx.query("INSERT INTO trading_sync (connection_id) VALUES ('mtr-live')") }
                // a page whose second chunk the database refuses (a deal of volume 0 breaks a CHECK):
                // the first chunk stays, with its cursor
                var broken = page
                let second = page.trades[1].ticket
                broken.deals = page.deals.map { var d = $0; if d.streamTicket == second { d.volumeExt = 0 }; return d }
                // MUT
                await #expect(throws: PSQLError.self) {
                    _ = try await s.trading.store(tenant: a.handle, connectionID: "mtr-live", page: broken, currencies: ["\(a.login)": a.currency], chunk: 1)
                }
                // validate
                #expect(try await Self.count(s, a.handle, "SELECT count(*) FROM trading_deals") == 1)
                #expect(try await Self.count(s, a.handle, "SELECT count(*) FROM platform_deals") == 2)
                #expect(try await Self.count(s, a.handle, "SELECT count(*) FROM trading_sync WHERE cursor_ticket = \(page.trades[0].ticket)") == 1)
                // MUT: the next pass resumes after the stored cursor
                let pass = try await s.trading.syncOnce(tenant: a.handle, brand: a.brand, connectionID: "mtr-live")
                // validate
                #expect(pass.deals == 2)
                #expect(try await Self.count(s, a.handle, "SELECT count(*) FROM trading_deals") == 3)
                let rows = try await StoredDeal.all(s, a.handle, connection: "mtr-live")
                #expect(rows.map(\.deal) == page.deals.map(\.deal).sorted())
                #expect(rows.allSatisfy { $0.revision == 1 && $0.status == "booked" && $0.volumeExt == 20_000_000 })
            }
        }
    }
}
