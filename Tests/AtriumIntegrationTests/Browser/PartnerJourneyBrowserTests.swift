import AtriumBrandConfig
import AtriumCore
import AtriumHTTP
import AtriumLedger
import AtriumPartners
import AtriumTenancy
import Foundation
import Testing

/// The whole IB journey in a real browser, on Aurora with the sandbox MT5: a trader applies, staff
/// approve, the IB creates a link, a client registers through it and trades, the commission shows
/// in the portal and its statement, and settlement pays it into the IB's wallet. Background
/// services do not run in this server, so the test runs sync, the engine and settlement itself,
/// exactly as the services would.
@Suite("IB journey in a real browser", .serialized, .timeLimit(.minutes(4)))
struct PartnerJourneyBrowserTests {
    static let shots = TestCluster.repoRoot + "/.atrium/screenshots"

    @Test("apply → approved → link → referred client registers and trades 2.5 lots → 12.50 USD in the portal → statement CSV → paid to the IB wallet")
    func journey() async throws {
        try await SandboxPlatformHarness.with { sandbox in
            try await TestEnv.with("ibjourney", environment: TradeFixture.environment(sandbox)) { s in
                _ = try await PortalTests.applyDemoBrands(s)
                let tenant = try #require(try await s.registry.tenant(slug: "aurora"))
                let brand = try #require(tenant.config)
                // Staff published a plan (the plan editor has its own tests): 5.00 USD per lot of forex, level 1.
                try await s.tenantDB.transaction(tenant.handle) { tx in
                    let plan = try await CommissionPlans.create(name: "Journey rebate", actor: "test", in: tx)
                    let body = CommissionPlan(currency: "USD", payOn: .close, levels: 1, rebates: [.init(symbolGroup: "forex", perLotMinor: [500])])
                    let draft = try await CommissionPlans.saveDraft(plan: plan, body: body, effectiveFrom: Date(), symbolGroups: brand.symbolGroupNames, actor: "test", in: tx)
                    _ = try await CommissionPlans.publish(version: draft.id, symbolGroups: brand.symbolGroupNames, actor: "test", in: tx)
                }
                try await withLiveServer(s) { port in
                    try await ChromeDriver.withBrowser(width: 1280, height: 1000) { b in
                        try await Self.walk(b, port: port, s: s, sandbox: sandbox, tenant: tenant, brand: brand)
                    }
                }
            }
        }
    }

    static func walk(_ b: BrowserSession, port: Int, s: AppServices, sandbox: SandboxPlatformHarness, tenant: TenantRecord, brand: TenantConfig) async throws {
        func url(_ path: String) -> String { "http://aurora.localhost:\(port)\(path)" }
        func shot(_ name: String) async throws { _ = try await b.screenshot(to: "\(shots)/\(name).png") }
        func signIn(_ path: String, _ email: String, _ password: String, then css: String) async throws {
            try await b.deleteCookies()
            try await b.open(url(path))
            try await b.fill(["email": email, "password": password], in: "#login-form")
            try await b.submit("#login-form")
            _ = try await b.waitFor(css: css, timeout: .seconds(20))
        }

        // 1. A trader registers and applies from the Trader's Room.
        try await b.open(url("/register"))
        try await b.fill(["name": "Ines Introducer", "email": "ines@example.test", "password": "a-long-password-7"], in: "#register-form")
        try await b.find("#register-form select[name=country]").selectOption(value: "ES")
        try await b.find("#register-form input[name=accept_terms]").click()
        try await b.submit("#register-form")
        _ = try await b.waitFor(css: "#logout-form", timeout: .seconds(20))
        try await b.open(url("/become-partner"))
        try await b.fill(["website": "https://ines.example.test", "message": "Spanish-speaking traders"], in: "#become-partner-form")
        try await shot("90-ib-apply")
        try await b.submit("#become-partner-form")
        let status = try await b.waitFor(css: "#application-status", timeout: .seconds(20))
        #expect(try await status.attribute("data-status") == "pending")

        // 2. Staff approve the application with the plan.
        try await signIn("/admin", "admin@aurora.test", "admin-demo-pass", then: "#logout-form")
        try await b.open(url("/admin/partners/applications"))
        let row = try await b.waitFor(css: "#application-queue tr[data-email='ines@example.test']", timeout: .seconds(10))
        try await row.find("select[name=plan_id]").selectOption(label: "Journey rebate")
        try await shot("91-ib-application-queue")
        try await row.find("button.approve").click()
        _ = try await b.waitFor(css: "#application-decided tr[data-email='ines@example.test']", timeout: .seconds(20))
        #expect(try await b.find("#application-decided tr[data-email='ines@example.test']").text().contains("Approved"))

        // 3. The IB signs in to the Partner Portal with the trader's password and creates a link.
        try await signIn("/partners", "ines@example.test", "a-long-password-7", then: "#stat-commissions")
        try await b.open(url("/partners/links"))
        try await b.fill(["campaign": "Spring webinar"], in: "#link-form")
        try await b.find("#link-target").selectOption(value: "register")
        try await b.submit("#link-form")
        let card = try await b.waitFor(css: ".link-card:not([data-code='']) .link-url", timeout: .seconds(20))
        _ = card
        let cards = try await b.findAll(".link-card")
        var linkURL = ""
        for c in cards where try await c.text().contains("Spring webinar") {
            linkURL = try await c.find(".link-url").property("value") ?? ""
        }
        #expect(linkURL.contains("/r/"))
        try await shot("92-ib-link-created")
        let code = String(linkURL.split(separator: "/").last ?? "")

        // 4. A client follows the link, registers, is verified and funded, and opens a live account.
        try await b.deleteCookies()
        try await b.open(url("/r/\(code)"))
        _ = try await b.waitFor(css: "#register-form", timeout: .seconds(20))
        try await b.fill(["name": "Carla Client", "email": "carla@example.test", "password": "a-long-password-8"], in: "#register-form")
        try await b.find("#register-form select[name=country]").selectOption(value: "ES")
        try await b.find("#register-form input[name=accept_terms]").click()
        try await b.submit("#register-form")
        _ = try await b.waitFor(css: "#logout-form", timeout: .seconds(20))
        let client = try await s.tenantDB.transaction(tenant.handle) { tx in
            let id = try #require(try await tx.query("SELECT id FROM users WHERE email = 'carla@example.test' AND audience = 'trader'").collect().first?.decode(UUID.self))
            let owners = try await tx.query("""
                SELECT p.user_id FROM client_attributions a JOIN partners p ON p.id = a.partner_id WHERE a.client_id = \(id)
                """).collect().map { try $0.decode(UUID.self) }
            let ib = try #require(try await tx.query("SELECT id FROM users WHERE email = 'ines@example.test' AND audience = 'ib'").collect().first?.decode(UUID.self))
            #expect(owners == [ib], "exactly one attribution, to the IB whose link the client followed")
            // Compliance approved the client and 500.00 arrived (those flows have their own tests).
            try await tx.query("UPDATE users SET kyc_status = 'approved', kyc_approved_at = now() WHERE id = \(id)")
            let usd = Currency("USD")!
            try await Ledger.transfer(id: UUID(), debit: try await Ledger.house(.adjustments, "browser-test", currency: usd, in: tx),
                                      credit: try await Ledger.wallet(user: id, currency: usd, in: tx), amount: 50_000, code: "test_funding", in: tx)
            return id
        }
        try await b.open(url("/accounts/open"))
        try await b.find("#open-form input[name=kind][value=live]").click()
        try await b.find("#open-type").selectOption(value: "mt5-live/standard")
        try await b.find("#open-leverage").selectOption(value: "100")
        try await b.submit("#open-form")
        _ = try await b.waitFor(css: "#created-password", timeout: .seconds(20))
        let login = try await b.find("#created-login").text()
        try await shot("93-client-account-opened")

        // 5. The client trades 2.5 lots of EURUSD on the platform; sync and the commission engine run.
        let opened = try await sandbox.trade("open", ["login": login, "symbol": "EURUSD", "side": "buy", "volume": "2.5", "price": "1.10000"])
        let position = String(try #require(opened.first).position)
        _ = try await sandbox.trade("close", ["login": login, "position": position, "volume": "2.5", "price": "1.10050"])
        try await s.trading.syncOnce(tenant: tenant.handle, brand: brand, connectionID: "mt5-live")
        let pass = try await CommissionEngine(tenantDB: s.tenantDB).runUntilCaughtUp(tenant: tenant.handle, brand: brand)
        #expect(pass.linesWritten == 1, "one rebate line: the closing deal of 2.5 lots")
        let lines = try await s.tenantDB.transaction(tenant.handle) { tx in
            try await tx.query("SELECT amount, lots_ext, component, level FROM commission_lines WHERE client_id = \(client)")
                .collect().map { try $0.decode((Int64, Int64, String, Int).self) }
        }
        #expect(lines.count == 1)
        #expect(lines.first?.0 == 1_250)
        #expect(lines.first?.1 == 250_000_000)
        #expect(lines.first?.2 == "rebate")

        // 6. The commission appears in the portal, with its statement line and CSV.
        try await signIn("/partners", "ines@example.test", "a-long-password-7", then: "#stat-commissions")
        #expect(try await b.find("#stat-commissions").text().contains("12.50"))
        #expect(try await b.find("#stat-clients").text().contains("1"))
        try await shot("94-ib-dashboard-commission")
        try await b.open(url("/partners/statements"))
        let statement = try await b.waitFor(css: "#statement", timeout: .seconds(10)).text()
        #expect(statement.contains("EURUSD"))
        #expect(statement.contains("12.50"))
        try await shot("95-ib-statement")
        let csvHref = try await b.find("#csv-link").attribute("href") ?? "/partners/statements/csv"
        let csvJSON = try await b.evaluate("""
            var x = new XMLHttpRequest(); x.open('GET', arguments[0], false); x.send();
            return x.status + '\\n' + x.getResponseHeader('Content-Type') + '\\n' + x.responseText;
            """, args: [csvHref])
        let csv = try JSONDecoder().decode(String.self, from: Data(csvJSON.utf8))
        let csvLines = csv.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(csvLines.first == "200")
        #expect(csvLines.dropFirst().first?.hasPrefix("text/csv") == true)
        // the header and exactly one line: the 2.5-lot EURUSD close at 5.00 USD/lot
        let records = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(records.count == 2)
        #expect(records.last?.contains(#""EURUSD","2.50","5.00 USD/lot","1","rebate","accrual","Journey rebate","1","12.50","USD","pending""#) == true)

        // 7. Settlement after the period closes: 12.50 is under Aurora's auto-approval limit, so it
        // is posted to the IB's wallet at once; a second run pays nothing more.
        let nextMonth = try #require(Calendar(identifier: .gregorian).date(byAdding: .month, value: 1, to: Date()))
        let settlement = CommissionSettlements(tenantDB: s.tenantDB, logger: s.logger)
        _ = try await settlement.run(tenant: tenant.handle, program: brand.partnerProgram, now: nextMonth)
        _ = try await settlement.run(tenant: tenant.handle, program: brand.partnerProgram, now: nextMonth)
        let wallet = try await s.tenantDB.transaction(tenant.handle) { tx in
            let ib = try #require(try await tx.query("SELECT id FROM users WHERE email = 'ines@example.test' AND audience = 'ib'").collect().first?.decode(UUID.self))
            return try await Ledger.wallet(user: ib, currency: Currency("USD")!, in: tx).balance
        }
        #expect(wallet == 1_250)
        try await b.open(url("/partners/payouts"))
        let payouts = try await b.waitFor(css: "#payouts", timeout: .seconds(10)).text()
        #expect(payouts.contains("12.50"))
        try await shot("96-ib-payouts")
        try await b.open(url("/partners/wallet"))
        #expect(try await b.waitFor(css: "#balances", timeout: .seconds(10)).text().contains("12.50"))
        try await shot("97-ib-wallet")
    }
}
