import AtriumCore
import AtriumHTTP
import AtriumLedger
import AtriumTrading
import Foundation
import Testing

/// The process-wide count of `atrium_trading_unmapped_deals_total`.
func unmappedDealCount(_ s: AppServices) -> Int {
    _ = buildApplication(services: s)
    let prefix = "\(ClosedTrade.unmappedMetric) "
    let line = AtriumMetrics.registry.emitToString().split(separator: "\n").first { $0.hasPrefix(prefix) }
    return line.flatMap { Int($0.dropFirst(prefix.count)) } ?? 0
}

@Suite("Deals on logins no account maps", .timeLimit(.minutes(3)))
struct TradingUnmappedDealTests {
    @Test("a deal on an unmapped login is stored with an unknown currency, never USD; it is logged, counted and shown on the sync page")
    func unmappedLoginHasNoMadeUpCurrency() async throws {
        try await TradingRouteTests.with("trunmapped") { f in
            // setup: an account made on the platform directly, which no Atrium account maps
            let brand = try #require(f.aurora.config)
            let connection = try #require(f.s.trading.directory.connection(brand, id: "mt5-live"))
            let platform = try f.s.trading.directory.platform(brand, connection: "mt5-live")
            let login = try await platform.createAccount(NewPlatformAccount(
                group: try #require(connection.groups.first), leverage: 100, currency: Currency("EUR")!, name: "Desk Account",
                email: "desk@aurora.test", password: "Desk-pass-1234", investorPassword: "Desk-invest-1234"))
            try await f.sandbox.generateDeals(login: login, count: 3)
            let before = unmappedDealCount(f.s)
            // MUT
            let pass = try await f.s.trading.syncOnce(tenant: f.aurora.handle, brand: brand, connectionID: "mt5-live")
            // validate
            #expect(pass.deals == 3)
            let currencies = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                var out: [String] = []
                for try await code in try await tx.query("SELECT currency FROM trading_deals WHERE login = \(login) ORDER BY ticket").decode(String.self) { out.append(code) }
                return out
            }
            #expect(currencies == ["unknown", "unknown", "unknown"])
            #expect(try await f.s.trading.syncStatus(tenant: f.aurora.handle).first { $0.connectionID == "mt5-live" }?.unmappedDeals == 3)
            // the counter is process-wide: suites running in parallel may add their own
            #expect(unmappedDealCount(f.s) >= before + 3)
            let staff = FormClient(f.client, host: "aurora.localhost")
            #expect(try await staff.post("/admin/login", ["email": "admin@aurora.test", "password": "admin-demo-pass"], csrfFrom: "/admin").status == .seeOther)
            let page = try await staff.get("/admin/trading")
            #expect(page.status == .ok)
            #expect(page.body.contains(#"data-unmapped="3">3 on unmapped logins, currency unknown"#))
        }
    }
}
