import AtriumCore
import AtriumHTTP
import Foundation
import Testing

/// The API reference pages in a real browser: styled by their own stylesheet (no CDN), every
/// operation in the table of contents, a link that jumps to its section.
@Suite("API reference page in a real browser", .serialized, .timeLimit(.minutes(4)))
struct APIReferenceBrowserTests {
    static let shots = TestCluster.repoRoot + "/.atrium/screenshots"

    @Test("a developer opens /api/v1/docs on a brand host and /api/platform/v1/docs on the platform host")
    func referencePages() async throws {
        try await TestEnv.with("apirefbrowser") { s in
            try await TestEnv.applyBrands(["aurora"], to: s)
            try await withLiveServer(s) { port in
                try await ChromeDriver.withBrowser(width: 1280, height: 1100) { b in
                    try await b.open("http://aurora.localhost:\(port)/api/v1/docs")
                    _ = try await b.waitFor(css: "#op-listClients")
                    #expect(try await b.title().hasPrefix("Atrium brand API"))
                    let toc = try await b.findAll("nav.toc li a")
                    #expect(toc.count >= 2)
                    // The stylesheet is served by the API itself and applied: GET badges are green.
                    #expect(try await b.evaluate("return getComputedStyle(document.querySelector('#op-listClients .method')).backgroundColor") == #""rgb(31, 122, 77)""#)
                    #expect(try await b.find("#op-getClient .scope").text() == "clients:read")
                    #expect(try await b.find("#schema-Money").text().contains("amount"))
                    _ = try await b.screenshot(to: "\(Self.shots)/api-01-brand-reference.png")
                    try await b.find("nav.toc a[href='#op-getClient']").click()
                    #expect(try await b.currentURL().hasSuffix("#op-getClient"))
                    _ = try await b.screenshot(to: "\(Self.shots)/api-02-brand-reference-getclient.png")

                    try await b.open("http://ops.localhost:\(port)/api/platform/v1/docs")
                    _ = try await b.waitFor(css: "#op-getTenant")
                    #expect(try await b.find("#op-getTenant .scope").text() == "tenants:read")
                    _ = try await b.screenshot(to: "\(Self.shots)/api-03-platform-reference.png")
                }
            }
        }
    }
}
