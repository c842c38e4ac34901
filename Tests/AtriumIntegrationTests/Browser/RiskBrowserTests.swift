import AtriumCompliance
import AtriumHTTP
import AtriumStorage
import Foundation
import Testing

/// The risk queue and the withdrawal investigation in a real browser, as Compliance.
/// Screenshots: `.atrium/screenshots/risk-*.png`.
@Suite("Risk queue and investigation in a real browser", .serialized, .timeLimit(.minutes(4)))
struct RiskBrowserTests {
    static let shots = TestCluster.repoRoot + "/.atrium/screenshots"

    @Test("risk queue → mark a flag reviewed; investigation of a Finance-approved withdrawal shows approver, rules, KYC then and audit seqs")
    func queueAndInvestigation() async throws {
        // setup
        let f = try await RiskFixture.shared.value
        let p = RiskFixture.prefix("browser")
        let a = try await InvestigationTests.approvedWithdrawal(f, p)
        let acct = try await f.account(a.client)
        let start = RiskFixture.nowMsc - 3_600_000, pos = Int64.random(in: 1_000_000...900_000_000_000)
        for i in 0..<10 { try await f.position(acct, pos + Int64(i), opened: start + Int64(i) * 60_000, heldSeconds: i < 7 ? 3 : 300) }
        _ = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in try await RiskFlags.run(in: tx) }
        let flag = try #require(try await RiskFlagTests.flags(f, a.client).first)
        let flagID = flag.id.uuidString.lowercased()
        try await withLiveServer(f.s) { port in
            try await ChromeDriver.withBrowser(width: 1280, height: 1100) { b in
                func url(_ path: String) -> String { "http://aurora.localhost:\(port)\(path)" }
                func shot(_ name: String) async throws { _ = try await b.screenshot(to: "\(Self.shots)/\(name).png") }
                try await b.open(url("/admin"))
                try await b.fill(["email": "compliance@aurora.test", "password": ClientsFixture.password], in: "#login-form")
                try await b.submit("#login-form")
                _ = try await b.waitFor(css: "#logout-form", timeout: .seconds(20))
                // MUT: the nav entry, the queue, marking reviewed
                try await b.find("a[href='/admin/compliance/risk']").click()
                _ = try await b.waitFor(css: "#risk-queue tr[data-flag='\(flagID)']", timeout: .seconds(10))
                #expect(try await b.find("#risk-queue tr[data-flag='\(flagID)']").text().contains("7/10 < 30 s (70 %, 30 d)"))
                try await shot("risk-1-queue")
                try await b.find("#risk-queue tr[data-flag='\(flagID)'] button").click()
                _ = try await b.waitFor(css: ".alert-notice", timeout: .seconds(10))
                #expect(try await b.find(".alert-notice").text() == "The flag was marked reviewed.")
                #expect(try await b.find("#risk-queue tr[data-flag='\(flagID)']").text().contains("Reviewed"))
                try await shot("risk-2-reviewed")
                // the investigation
                try await b.open(url("/admin/compliance/investigate"))
                try await b.fill(["withdrawal": a.withdrawal.id.uuidString.lowercased()], in: "#investigate-form")
                try await b.submit("#investigate-form")
                _ = try await b.waitFor(css: "#inv-withdrawal", timeout: .seconds(10))
                // validate
                #expect(try await b.find("#inv-approvals td.approver").text().hasPrefix(a.financeEmail))
                #expect(try await b.find("#inv-kyc-then").text().hasPrefix("approved"))
                #expect(try await b.find("#inv-screening-then").text() == "Clear: no open or confirmed hit")
                for seq in a.proving { _ = try await b.find("#inv-audit tr[data-seq='\(seq)']") }
                try await shot("risk-3-investigation")
                _ = try await b.evaluate("document.getElementById('inv-audit').scrollIntoView(); return '';")
                try await shot("risk-4-audit")
                // the flag on the client page
                try await b.open(url("/admin/clients/\(a.client.uuidString.lowercased())"))
                let section = try await b.waitFor(css: "#client-risk tr[data-kind='latency_arbitrage']", timeout: .seconds(10))
                #expect(try await section.text().contains("Reviewed"))
                _ = try await b.evaluate("document.getElementById('client-risk').scrollIntoView(); return '';")
                try await shot("risk-5-client-page")
            }
        }
        #expect(try await RiskFlagTests.flags(f, a.client).first?.status == "reviewed")
    }
}
