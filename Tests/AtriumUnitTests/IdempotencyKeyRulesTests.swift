@testable import AtriumHTTP
import Foundation
import Hummingbird
import NIOCore
import Testing

/// The database-free rules of idempotency and provisioning problems: which keys are accepted,
/// what the request hash covers, and how validation paths become JSON pointers.
@Suite("Idempotency key rules, request hash, provisioning pointers")
struct IdempotencyKeyRulesTests {
    typealias Middleware = IdempotencyMiddleware<BasicRequestContext, PlatformIdempotencyStore>

    @Test("keys: 1 to 255 printable ASCII characters; empty, 256 long, control or non-ASCII characters refused")
    func keys() {
        #expect(Middleware.isValid("a"))
        #expect(Middleware.isValid(String(repeating: "k", count: 255)))
        #expect(Middleware.isValid("order 42/~!"))
        #expect(!Middleware.isValid(""))
        #expect(!Middleware.isValid(String(repeating: "k", count: 256)))
        #expect(!Middleware.isValid("tab\there"))
        #expect(!Middleware.isValid("clé"))
    }

    @Test("the hash changes with method, path, query and body, and parts cannot slide into each other")
    func hash() {
        let base = Middleware.hash(method: "POST", path: "/a", query: "", body: ByteBuffer(string: "b"))
        #expect(base.count == 32)
        #expect(base == Middleware.hash(method: "POST", path: "/a", query: "", body: ByteBuffer(string: "b")))
        #expect(base != Middleware.hash(method: "PATCH", path: "/a", query: "", body: ByteBuffer(string: "b")))
        #expect(base != Middleware.hash(method: "POST", path: "/a", query: "x=1", body: ByteBuffer(string: "b")))
        #expect(base != Middleware.hash(method: "POST", path: "/a", query: "", body: ByteBuffer(string: "c")))
        #expect(base != Middleware.hash(method: "POST", path: "/ab", query: "", body: ByteBuffer(string: "")))
    }

    @Test("validation paths become JSON pointers: admin.email → /admin/email, psps[0].id → /psps/0/id, the document → /")
    func pointers() {
        #expect(ProvisioningProblems.pointer("admin.email") == "/admin/email")
        #expect(ProvisioningProblems.pointer("psps[0].id") == "/psps/0/id")
        #expect(ProvisioningProblems.pointer("slug") == "/slug")
        #expect(ProvisioningProblems.pointer("(document)") == "/")
        #expect(ProvisioningProblems.pointer("") == "/")
        #expect(ProvisioningProblems.pointer("a/b.c~d") == "/a~1b/c~0d")
        #expect(TenantDocument.productionProblem("request: psps[0].mode: sandbox (x) uses a development sandbox").pointer == "/psps/0/mode")
    }

    @Test("tenant list cursors round-trip a slug; anything else is a 400 naming cursor")
    func cursors() throws {
        #expect(try TenantCursor.decode(TenantCursor.encode("aurora")) == "aurora")
        #expect(try TenantCursor.decode(nil) == nil)
        #expect(throws: APIProblem.badRequest(pointer: "cursor", "not a cursor from a previous page")) { try TenantCursor.decode("!!!") }
        #expect(throws: APIProblem.badRequest(pointer: "cursor", "not a cursor from a previous page")) { try TenantCursor.decode("") }
        // Any string of the slug's shape is a position, also one no brand has.
        #expect(try TenantCursor.decode("zz9") == "zz9")
    }
}
