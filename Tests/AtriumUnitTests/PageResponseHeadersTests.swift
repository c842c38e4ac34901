import AtriumHTTP
import Hummingbird
import Testing

/// `Responses.html` serves both the portals and the sandbox checkout; the checkout's extra form
/// targets must not leak into the portals' Content-Security-Policy.
@Suite("Page response headers", .timeLimit(.minutes(1)))
struct PageResponseHeadersTests {
    @Test("portal pages may post only to their own host")
    func portalPages() {
        let response = Responses.html("<p>hi</p>", status: .notFound)
        #expect(response.status == .notFound)
        #expect(response.headers[.contentSecurityPolicy]
            == "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'")
        #expect(response.headers[.contentType] == "text/html; charset=utf-8")
        #expect(response.headers[.cacheControl] == "no-store")
        #expect(response.headers[.init("X-Frame-Options")!] == "DENY")
    }

    @Test("the sandbox checkout may also post back to the merchant's return origins")
    func checkoutPage() {
        let response = Responses.html("<form></form>", formActions: ["https://kite.example", "http://127.0.0.1:8080"])
        #expect(response.status == .ok)
        #expect(response.headers[.contentSecurityPolicy]
            == "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self' https://kite.example http://127.0.0.1:8080; frame-ancestors 'none'")
        #expect(response.headers[.init("X-Content-Type-Options")!] == "nosniff")
    }
}
