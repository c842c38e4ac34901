import AtriumHTTP
import AtriumIdentity
import Foundation
import Testing

@Suite("Back Office API keys in a real browser", .serialized, .timeLimit(.minutes(3)))
struct APIKeysBrowserTests {
    static let shots = TestCluster.repoRoot + "/.atrium/screenshots"

    @Test("the Super Admin creates a key with two scopes, sees its token once, the list shows its prefix, then revokes it")
    func createAndRevoke() async throws {
        let f = try await APIKeyFixture.shared.value
        let name = "Website sync \(UUID().uuidString.prefix(4))"
        try await withLiveServer(f.s) { port in
            try await ChromeDriver.withBrowser(width: 1280, height: 1000) { b in
                func url(_ path: String) -> String { "http://aurora.localhost:\(port)\(path)" }
                func shot(_ name: String) async throws { _ = try await b.screenshot(to: "\(Self.shots)/\(name).png") }
                try await b.open(url("/admin"))
                try await b.fill(["email": "admin@aurora.test", "password": "admin-demo-pass"], in: "#login-form")
                try await b.submit("#login-form")
                _ = try await b.waitFor(css: "#logout-form", timeout: .seconds(20))

                // The nav entry leads to the list and the create form.
                try await b.find("a[href='/admin/api-keys']").click()
                _ = try await b.waitFor(css: "#api-key-create", timeout: .seconds(20))
                try await b.fill(["name": name], in: "#api-key-create")
                try await b.find("input[data-scope='clients:read']").click()
                try await b.find("input[data-scope='payments:read']").click()
                try await shot("a1-apikeys-create-form")
                try await b.submit("#api-key-create")

                // The token, once.
                let field = try await b.waitFor(css: "#api-token", timeout: .seconds(20))
                let token = try await field.property("value") ?? ""
                #expect(token.range(of: #"^atr_[0-9a-f]{64}$"#, options: .regularExpression) != nil)
                try await shot("a2-apikeys-token-once")

                // The list: the prefix and the scopes, never the token.
                try await b.find("a[href='/admin/api-keys'].btn").click()
                _ = try await b.waitFor(css: "#api-keys", timeout: .seconds(20))
                let source = try await b.pageSource()
                #expect(source.contains(String(token.prefix(12))))
                #expect(!source.contains(token))
                let row = "tr[data-key]:has(button[aria-label='Revoke \(name)'])"
                #expect(try await b.find(row).text().contains("clients:read"))
                #expect(try await b.find("\(row) .key-last-used").text() == "Never")
                try await shot("a3-apikeys-list")

                // Revoke it.
                try await b.find("\(row) button").click()
                _ = try await b.waitFor(css: ".alert-notice", timeout: .seconds(20))
                #expect(try await b.find(".alert-notice").text().contains("revoked"))
                try await shot("a4-apikeys-revoked")
            }
        }
        let revoked = try await f.value(f.aurora, "SELECT count(*)::int FROM api_keys WHERE name = '\(name)' AND revoked_at IS NOT NULL")
        #expect(revoked == 1)
        #expect(try await f.value(f.aurora, """
            SELECT count(*)::int FROM audit_log WHERE action IN ('api_key.created', 'api_key.revoked')
            AND subject = (SELECT 'api_key:' || id FROM api_keys WHERE name = '\(name)')
            """) == 2)
    }
}
