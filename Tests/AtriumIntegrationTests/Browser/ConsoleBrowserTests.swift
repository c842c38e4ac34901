import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumTenancy
import Foundation
import Testing

@Suite("Operator console in a real browser", .serialized, .timeLimit(.minutes(4)))
struct ConsoleBrowserTests {
    static let shots = TestCluster.repoRoot + "/.atrium/screenshots"

    @Test("an operator opens usage, health and the audit trail of brands seeded with the demo history")
    func usageHealthAudit() async throws {
        try await TestEnv.with("consolebrowser") { s in
            try await TestEnv.applyBrands(["aurora", "kite"], to: s)
            for slug in ["aurora", "kite"] {
                try await DemoSeed.upsertStaff(slug: slug, email: "sales@\(slug).test", role: .sales, password: DemoSeed.salesPassword, services: s)
                _ = try await DemoSeed.seedHistory(slug: slug, clients: 30, services: s)
            }
            try await Operators.upsert(email: "operator@atrium.test", password: "operator-demo-pass", services: s)
            try await withLiveServer(s) { port in
                try await ChromeDriver.withBrowser(width: 1280, height: 1000) { b in
                    func url(_ path: String) -> String { "http://ops.localhost:\(port)\(path)" }
                    func shot(_ name: String) async throws { _ = try await b.screenshot(to: "\(ConsoleBrowserTests.shots)/\(name).png") }
                    try await b.open(url("/"))
                    try await b.fill(["email": "operator@atrium.test", "password": "operator-demo-pass"], in: "#login-form")
                    try await b.submit("#login-form")
                    _ = try await b.waitFor(css: "#logout-form", timeout: .seconds(20))

                    try await b.open(url("/usage"))
                    let clients = try await b.waitFor(css: "#usage tr[data-tenant=aurora] [data-clients]")
                    #expect(try await clients.text() == "30")
                    try await shot("95-console-usage")
                    try await b.open(url("/status"))
                    _ = try await b.waitFor(css: "#health tr[data-tenant=kite] [data-schema]")
                    try await shot("96-console-health")
                    try await b.open(url("/audit"))
                    _ = try await b.waitFor(css: "#ops-audit tr[data-seq]")
                    #expect(try await b.pageSource().contains("operator.upserted"))
                    try await shot("97-console-audit")
                }
            }
        }
    }
}
