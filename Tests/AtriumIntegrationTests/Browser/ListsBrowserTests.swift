import AtriumCompliance
import AtriumCore
import AtriumHTTP
import AtriumIdentity
import Foundation
import Testing

@Suite("Sanctions list upload in the operator console, in a real browser", .serialized, .timeLimit(.minutes(4)))
struct ListsBrowserTests {
    @Test("an operator uploads the four OFAC sample files and then the UN XML; each source shows its current version with 60/66 and 55/48")
    func upload() async throws {
        try await TestEnv.with("listsbrowser") { s in
            try await Operators.upsert(email: "operator@atrium.test", password: "operator-demo-pass", services: s)
            try await withLiveServer(s) { port in
                try await ChromeDriver.withBrowser(width: 1280, height: 1100) { b in
                    func url(_ path: String) -> String { "http://ops.localhost:\(port)\(path)" }
                    func shot(_ name: String) async throws { _ = try await b.screenshot(to: "\(ConsoleBrowserTests.shots)/\(name).png") }
                    try await b.open(url("/"))
                    try await b.fill(["email": "operator@atrium.test", "password": "operator-demo-pass"], in: "#login-form")
                    try await b.submit("#login-form")
                    _ = try await b.waitFor(css: "#logout-form", timeout: .seconds(20))

                    try await b.open(url("/lists"))
                    _ = try await b.waitFor(css: "#upload-list")
                    try await shot("lists-01-empty")
                    let dir = TestCluster.repoRoot + "/ops/lists/"
                    try await b.waitFor(css: "#list-source").selectOption(value: "ofac")
                    try await b.waitFor(css: "#list-files").chooseFile(["sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"]
                        .map { dir + "ofac/" + $0 }.joined(separator: "\n"))
                    try await b.submit("#upload-list")
                    let entries = try await b.waitFor(css: "#lists-ofac tr[data-status=current] [data-entries]", timeout: .seconds(30))
                    #expect(try await entries.text() == "60")
                    try await shot("lists-02-ofac-loaded")

                    try await b.waitFor(css: "#list-source").selectOption(value: "un")
                    try await b.waitFor(css: "#list-files").chooseFile(dir + "un/consolidated.xml")
                    try await b.submit("#upload-list")
                    let aliases = try await b.waitFor(css: "#lists-un tr[data-status=current] [data-aliases]", timeout: .seconds(30))
                    #expect(try await aliases.text() == "48")
                    #expect(try await b.pageSource().contains("2026-11-30T18:00:04Z"))
                    try await shot("lists-03-un-loaded")
                }
            }
            #expect(try await SanctionListStore.versions(s.database).count == 2)
        }
    }
}
