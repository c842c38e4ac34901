@testable import AtriumHTTP
import AtriumCore
import AtriumIdentity
import AtriumTenancy
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

/// Puts a brand on the dispatcher's context, as the Host lookup of `HostDispatcher` does.
struct StubSite: RouterMiddleware {
    typealias Context = AtriumRequestContext
    let tenant: TenantRecord?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let tenant { context.site = .brand(tenant) }
        return try await next(request, context)
    }
}

@Suite("Request contexts per audience", .timeLimit(.minutes(3)))
struct RequestContextTests {
    /// An application whose routes `mount` adds to a brand group for `tenant` (nil: no brand resolved).
    static func app(_ tenant: TenantRecord?, _ mount: (RouterGroup<BrandRequestContext>) -> Void) -> some ApplicationProtocol {
        let router = Router(context: AtriumRequestContext.self)
        mount(router.group().add(middleware: StubSite(tenant: tenant)).group(context: BrandRequestContext.self))
        return Application(router: router)
    }

    /// A user of `audience` on `tenant` with a live session; returns the session token.
    static func session(_ s: AppServices, _ tenant: TenantRecord, _ audience: Audience, email: String) async throws -> String {
        try await s.tenantDB.transaction(tenant.handle) { tx in
            let id = try #require(try await Users.create(audience: audience, email: email, name: "Test \(audience.rawValue)", passwordHash: nil, in: tx))
            return try await Sessions.create(user: id, audience: audience, ip: "127.0.0.1", userAgent: "test", replacing: nil, in: tx)
        }
    }

    static func get(_ client: some TestClientProtocol, _ path: String, cookie: String? = nil) async throws -> (HTTPResponse.Status, String?, String) {
        var headers: HTTPFields = [:]
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: path, method: .get, headers: headers) { r in (r.status, r.headers[.location], String(buffer: r.body)) }
    }

    @Test("IB Portal routes answer only an IB signed in on this brand; anyone else is sent to /partners")
    func partnerContext() async throws {
        try await TestEnv.with("ctxpartner") { s in
            // setup
            let a = try await s.makeTenant("a")
            let b = try await s.makeTenant("b")
            let ib = try await Self.session(s, a, .ib, email: "ib@a.test")
            let trader = try await Self.session(s, a, .trader, email: "trader@a.test")
            let mount: (RouterGroup<BrandRequestContext>) -> Void = { brand in
                brand.partners("/partners", services: s).get("/commissions") { _, ctx in "\(ctx.tenant.handle.slug) \(ctx.partner.user.email)" }
            }
            // MUT + validate
            try await Self.app(a, mount).test(.router) { client in
                let signedIn = try await Self.get(client, "/partners/commissions", cookie: "atrium_ib=\(ib)")
                #expect(signedIn.0 == .ok)
                #expect(signedIn.2 == "\(a.handle.slug) ib@a.test")
                for cookie in [nil, "atrium_trader=\(trader)", "atrium_ib=\(trader)", "atrium_ib=not-a-token"] {
                    let refused = try await Self.get(client, "/partners/commissions", cookie: cookie)
                    #expect(refused.0 == .seeOther, "\(cookie ?? "no cookie")")
                    #expect(refused.1 == "/partners", "\(cookie ?? "no cookie")")
                }
            }
            try await Self.app(b, mount).test(.router) { client in
                let otherBrand = try await Self.get(client, "/partners/commissions", cookie: "atrium_ib=\(ib)")
                #expect(otherBrand.0 == .seeOther)
                #expect(otherBrand.1 == "/partners")
            }
        }
    }

    @Test("a handler on an audience context never runs without its principal or its brand")
    func contextsFailClosed() async throws {
        try await TestEnv.with("ctxclosed") { s in
            // setup
            let a = try await s.makeTenant("a")
            let trader = try await Self.session(s, a, .trader, email: "trader@a.test")
            let staff = "atrium_staff=" + (try await Self.session(s, a, .staff, email: "clerk@a.test"))
            // MUT: routes mounted on the audience contexts without their session middleware
            let app = Self.app(a) { brand in
                brand.group(context: TraderRequestContext.self).get("/trader") { _, _ in "handler ran" }
                brand.group(context: StaffRequestContext.self).get("/staff") { _, _ in "handler ran" }
                brand.group(context: PartnerRequestContext.self).get("/partner") { _, _ in "handler ran" }
                brand.staff("/guarded", .auditView, services: s).get { _, _ in "handler ran" }
            }
            // validate
            try await app.test(.router) { client in
                for (path, cookie) in [("/trader", "atrium_trader=\(trader)"), ("/staff", staff), ("/partner", nil)] {
                    let r = try await Self.get(client, path, cookie: cookie)
                    #expect(r.0 == .unauthorized, "\(path)")
                    #expect(r.2 != "handler ran", "\(path)")
                }
                // signed out, a Back Office group sends the visitor to the login page
                let guarded = try await Self.get(client, "/guarded")
                #expect(guarded.0 == .seeOther)
                #expect(guarded.1 == "/admin")
            }
            // no brand resolved: the brand context itself refuses
            try await Self.app(nil) { brand in brand.get("/brand") { _, _ in "handler ran" } }.test(.router) { client in
                let r = try await Self.get(client, "/brand")
                #expect(r.0 == .notFound)
                #expect(r.2 != "handler ran")
            }
        }
    }
}
