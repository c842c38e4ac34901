import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumTenancy
import Foundation
import Hummingbird
import Testing

@Suite("Payments in a real browser", .serialized, .timeLimit(.minutes(3)))
struct PaymentsBrowserTests {
    static let shots = TestCluster.repoRoot + "/.atrium/screenshots"

    @Test("a trader deposits through the sandbox PSP's hosted page, withdraws, and Finance approves the payout")
    func depositAndWithdraw() async throws {
        try await TestEnv.with("paybrowser") { s in
            _ = try await PortalTests.applyDemoBrands(s)
            try await DemoSeed.upsertStaff(slug: "aurora", email: "finance@aurora.test", role: .finance, password: "finance-demo-pass", services: s)
            try await withLiveServer(s) { port in
                try await ChromeDriver.withBrowser(width: 1280, height: 1000) { browser in try await Self.walk(browser, port: port, s: s) }
            }
        }
    }

    static func walk(_ b: BrowserSession, port: Int, s: AppServices) async throws {
        func url(_ path: String) -> String { "http://aurora.localhost:\(port)\(path)" }
        func shot(_ name: String) async throws { _ = try await b.screenshot(to: "\(shots)/\(name).png") }

        // A new trader on Aurora.
        try await b.open(url("/register"))
        try await b.fill(["name": "Ines Payer", "email": "ines@example.test", "password": "a-long-password-2"], in: "#register-form")
        try await b.find("#register-form select[name=country]").selectOption(value: "GB")
        try await b.find("#register-form input[name=accept_terms]").click()
        try await b.submit("#register-form")
        _ = try await b.waitFor(css: "#logout-form", timeout: .seconds(20))
        try await b.open(url("/wallet"))
        #expect(try await b.pageSource().contains("No balances yet"))
        try await shot("20-wallet-empty")

        // Deposit 250.00 USD by card through the sandbox's hosted page.
        try await b.find("#deposit-form input[name=method][value=sandbox-card]").click()
        try await b.find("#deposit-currency").selectOption(value: "USD")
        try await b.fill(["amount": "250.00"], in: "#deposit-form")
        try await b.submit("#deposit-form")
        do { _ = try await b.waitFor(css: "#approve", timeout: .seconds(20)) } catch {
            try await shot("21-FAILED-deposit")
            let page = try await b.pageSource()
            let t = try await s.registry.tenant(slug: "aurora")!
            let rows = try await s.tenantDB.transaction(t.handle) { tx in
                try await tx.query("SELECT status || ' ' || failure_reason FROM payments").collect().map { try $0.decode(String.self) } +
                (try await tx.query("SELECT error FROM psp_attempts").collect().map { try $0.decode(String.self) })
            }
            Issue.record("payments: \(rows) sandbox: \(s.payments.sandbox.base)")
            Issue.record("deposit did not reach the sandbox: \(try await b.currentURL()) \(page.components(separatedBy: "<main").last?.prefix(600) ?? "")")
            throw error
        }
        #expect(try await b.find("#amount").text() == "250.00 USD")
        try await shot("21-sandbox-checkout")
        try await b.find("#approve").click()
        _ = try await b.waitFor(css: "#payment-status[data-status=succeeded]", timeout: .seconds(20))
        try await shot("22-deposit-succeeded")
        try await b.open(url("/wallet"))
        #expect(try await b.find("#balances tr[data-currency=USD] .balance").text() == "250.00")
        try await shot("23-wallet-funded")

        // Withdraw 100.00: held at once, then reviewed (new device, KYC not yet approved).
        try await b.find("#withdraw-form input[name=method][value=sandbox-card]").click()
        try await b.find("#withdraw-currency").selectOption(value: "USD")
        try await b.fill(["amount": "100"], in: "#withdraw-form")
        try await b.submit("#withdraw-form")
        _ = try await b.waitFor(css: "#payment-status[data-status=review]", timeout: .seconds(20))
        let withdrawalURL = try await b.currentURL()
        try await shot("24-withdrawal-in-review")
        try await b.open(url("/wallet"))
        #expect(try await b.find("#balances tr[data-currency=USD] .available").text() == "150.00")

        // Finance approves in the Back Office; the payout goes to the sandbox and its callback settles it.
        try await b.open(url("/admin"))
        try await b.fill(["email": "finance@aurora.test", "password": "finance-demo-pass"], in: "#login-form")
        try await b.submit("#login-form")
        _ = try await b.waitFor(css: "#logout-form", timeout: .seconds(20))
        try await b.open(url("/admin/payments/withdrawals"))
        let queue = try await b.find("#withdrawal-queue").text()
        #expect(queue.contains("100.00 USD"))
        #expect(queue.contains("KYC not approved"))
        try await shot("25-finance-withdrawal-queue")
        try await b.find("#withdrawal-queue button.approve").click()
        _ = try await b.waitFor(css: ".alert-notice", timeout: .seconds(20))
        try await shot("26-finance-approved")

        var status = ""
        for _ in 0..<40 {
            try await b.open(withdrawalURL)
            status = try await b.find("#payment-status").attribute("data-status") ?? ""
            if status == "paid" { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(status == "paid")
        try await shot("27-withdrawal-paid")
        try await b.open(url("/wallet"))
        #expect(try await b.find("#balances tr[data-currency=USD] .balance").text() == "150.00")
        try await shot("28-wallet-after-withdrawal")

        try await b.open(url("/admin/payments/psps"))
        #expect(try await b.find("tr[data-psp=sandbox-card] .success-rate").text() == "100%")
        try await shot("29-finance-psp-health")
        try await b.open(url("/admin/payments/reconciliation"))
        #expect(try await b.find("section[data-psp=sandbox-card]").text().contains("Balanced"))
        try await shot("30-finance-reconciliation")
    }
}
