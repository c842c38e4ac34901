import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumPartners
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird
import PostgresNIO
import HummingbirdTesting
import Testing

@Suite("Partner Portal: dashboard, links, clients, network, statements, payouts", .timeLimit(.minutes(3)))
struct PartnerPortalTests {
    /// Signs in IB `name` of the fixture on Aurora and returns the client holding its cookie.
    static func signIn(_ client: some TestClientProtocol, _ name: String, host: String = "aurora.localhost") async throws -> FormClient {
        let web = FormClient(client, host: host)
        let login = try await web.post("/partners/login", ["email": PartnerPortalFixture.email(name, "aurora"), "password": PartnerPortalFixture.password], csrfFrom: "/partners")
        #expect(login.status == .seeOther, "IB \(name) signs in")
        return web
    }

    static func setUp(_ s: AppServices) async throws -> PartnerPortalFixture {
        _ = try await PortalTests.applyDemoBrands(s)
        let aurora = try #require(try await s.registry.tenant(slug: "aurora"))
        return try await PartnerPortalFixture.make(s, tenant: aurora)
    }

    static func count(_ s: AppServices, _ f: PartnerPortalFixture, _ sql: PostgresQuery) async throws -> Int {
        try await s.tenantDB.transaction(f.tenant.handle) { tx in try await tx.query(sql).collect().first?.decode(Int.self) ?? -1 }
    }

    @Test("dashboard: this month's commissions, lots, clients and funded clients exact; a 30-bar chart with its table")
    func dashboard() async throws {
        try await TestEnv.with("ibdash") { s in
            let f = try await Self.setUp(s)
            try await buildApplication(services: s).test(.router) { client in
                let web = try await Self.signIn(client, "a")
                let landing = try await web.get("/partners")
                #expect(landing.status == .seeOther && landing.headers[.location] == "/partners/dashboard")
                let page = try await web.get("/partners/dashboard")
                #expect(page.status == .ok)
                #expect(page.body.contains(#"data-currency="USD"><span dir="ltr">11.81</span>"#), "month total 11.81 USD")
                #expect(page.body.contains(#"<p class="stat-value" dir="ltr">1.85</p>"#), "level-1 lots 1.85")
                #expect(page.body.contains(#"id="stat-clients">"#) && page.body.contains(#"<p class="stat-value">2</p>"#), "clients c1, c2")
                #expect(page.body.contains(#"<p class="stat-value">1</p>"#), "one funded client")
                let bars = page.body.ranges(of: #"<rect class="bar"#).count
                #expect(bars == 30)
                let today = String(ISO8601DateFormatter().string(from: f.now.addingTimeInterval(-60)).prefix(10))
                #expect(page.body.contains(#"data-date="\#(today)" data-minor="\#(PartnerPortalFixture.todayMinor)""#))
                #expect(page.body.contains(#"<td class="nowrap" dir="ltr">\#(today)</td><td class="num" dir="ltr">11.81</td>"#))
                // Every bar's figure adds up to the lines of the window (last month's line when it falls inside it).
                let minors = page.body.matches(of: /data-minor="(-?\d+)"/).compactMap { Int64($0.output.1) }
                let lastMonthLine = PartnerPeriod(containing: f.now).start.addingTimeInterval(-86_400)
                let todayStart = f.now.addingTimeInterval(-60).timeIntervalSince1970 - f.now.addingTimeInterval(-60).timeIntervalSince1970.truncatingRemainder(dividingBy: 86_400)
                let inWindow = lastMonthLine.timeIntervalSince1970 >= todayStart - 29 * 86_400
                #expect(minors.reduce(0, +) == PartnerPortalFixture.monthTotalMinor + (inWindow ? 400 : 0))
                #expect(!page.body.contains("999.00"), "X's commission is not in A's figures")
            }
        }
    }

    @Test("statement CSV: one quoted row per line, exact decimal amounts and lots; the page and print page agree")
    func statementCSV() async throws {
        try await TestEnv.with("ibcsv") { s in
            let f = try await Self.setUp(s)
            try await buildApplication(services: s).test(.router) { client in
                let web = try await Self.signIn(client, "a")
                let period = PartnerPeriod(containing: f.now.addingTimeInterval(-60)).text
                let csv = try await web.get("/partners/statements/csv?period=\(period)")
                #expect(csv.status == .ok)
                #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
                #expect(csv.headers[.contentDisposition] == "attachment; filename=\"statement-\(period).csv\"")
                let rows = csv.body.components(separatedBy: "\r\n").filter { !$0.isEmpty }
                #expect(rows.count == 1 + 9, "header and A's 9 lines of the month")
                #expect(rows.first == #""line","deal_time","connection","deal","deal_revision","symbol","lots","rate","level","component","kind","plan","plan_version","amount","currency","status","excluded""#)
                let body = rows.dropFirst()
                #expect(body.contains { $0.contains(#""mt5-demo","1001","1","EURUSD","1.50","5.00 USD/lot","1","rebate","accrual","Hybrid","3","7.50","USD","pending","""#) })
                #expect(body.contains { $0.contains(#""1004","1","EURUSD","0.05","5.00 USD/lot","1","rebate","reversal","Hybrid","3","-2.00","USD","pending","""#) })
                #expect(body.contains { $0.contains(#""1003","1","EURUSD","0.10","5.00 USD/lot","1","rebate","accrual","Hybrid","3","0.00","USD","excluded","hold_time""#) })
                #expect(body.contains { $0.contains(#""1005","1","GER,40""x","0.00","10.00%","1","revshare_markup","accrual","Hybrid","3","0.33""#) })
                #expect(body.contains { $0.contains(#""3001","1","EURUSD","0.40","1.25 USD/lot","3","rebate","accrual","Hybrid","3","0.50""#) })
                #expect(!csv.body.contains("9001") && !csv.body.contains("XAUUSD"), "X's line is not in A's statement")
                let sum = body.compactMap { row -> Int64? in
                    let fields = row.split(separator: "\",\"", omittingEmptySubsequences: false)
                    return try? DecimalAmount.parse(String(fields[13]), exponent: 2, allowNegative: true)
                }.reduce(0, +)
                #expect(sum == PartnerPortalFixture.monthTotalMinor)
                let page = try await web.get("/partners/statements?period=\(period)")
                #expect(page.status == .ok && page.body.ranges(of: "<tr data-line=").count == 9)
                #expect(page.body.contains(#"<strong dir="ltr">11.81</strong> USD"#))
                let print = try await web.get("/partners/statements/print?period=\(period)")
                #expect(print.status == .ok && print.body.ranges(of: "<tr data-line=").count == 9 && print.body.contains("portal.css"))
                let previous = try await web.get("/partners/statements/csv?period=\(PartnerPeriod(containing: f.now).previous.text)")
                #expect(previous.body.contains(#""900","1","EURUSD","0.80","5.00 USD/lot","1","rebate","accrual","Hybrid","3","4.00","USD","settled""#))
                let bad = try await web.get("/partners/statements?period=2026-13")
                #expect(bad.status == .badRequest && bad.body.contains("Period"))
                let payouts = try await web.get("/partners/payouts")
                #expect(payouts.body.contains(#"<td class="num amount" dir="ltr">4.00 USD</td>"#) && !payouts.body.contains("777.00"))
                #expect(payouts.body.contains(#"href="/partners/wallet""#))
            }
        }
    }

    @Test("an IB sees only its own clients and subtree: another IB's client, link and lines are 404 and absent")
    func subtreeOnly() async throws {
        try await TestEnv.with("ibscope") { s in
            let f = try await Self.setUp(s)
            try await buildApplication(services: s).test(.router) { client in
                let a = try await Self.signIn(client, "a")
                let clients = try await a.get("/partners/clients")
                for id in [f.c1, f.c2] { #expect(clients.body.contains(#"data-client="\#(id.uuidString.lowercased())""#)) }
                for id in [f.c3, f.c4, f.c5, f.c6] { #expect(!clients.body.contains(id.uuidString.lowercased())) }
                // The brand shows initials by default: no names, no emails.
                #expect(clients.body.contains(">Z.</a>") && !clients.body.contains("Zed Client") && !clients.body.contains("@clients.test"))
                #expect(try await a.get("/partners/clients/\(f.c1.uuidString.lowercased())").status == .ok)
                for id in [f.c4, f.c6, f.c3] { #expect(try await a.get("/partners/clients/\(id.uuidString.lowercased())").status == .notFound) }
                #expect(try await a.get("/partners/clients/not-a-uuid").status == .notFound)
                #expect(try await a.get("/partners/links/\(f.xLink.uuidString.lowercased())").status == .notFound)
                #expect(try await a.get("/partners/links/\(f.aLink.uuidString.lowercased())").status == .ok)
                let links = try await a.get("/partners/links")
                #expect(links.body.contains(f.aLinkCode) && !links.body.contains(f.xLinkCode))
                // A's default link: c1, c2 and c6 registered through it; c1 verified and funded.
                #expect(links.body.contains(#"<dd class="registrations">3</dd><"#) || links.body.contains(#"<dd class="registrations">3</dd>"#))
                #expect(links.body.contains(#"<dd class="verified">1</dd>"#) && links.body.contains(#"<dd class="funded">1</dd>"#))
                let network = try await a.get("/partners/network")
                #expect(network.body.contains(f.b.uuidString.lowercased()) && network.body.contains(f.c.uuidString.lowercased()))
                #expect(!network.body.contains(f.x.uuidString.lowercased()) && !network.body.contains("Xavier"))
                // B: its clients' 1.00 lot this month, A's override 1.00 USD; C: 0.40 lot, A's override 0.50 USD.
                #expect(network.body.contains(#"<td class="num lots" dir="ltr">1.00</td>"#) && network.body.contains("<span>1.00 USD</span>"))
                #expect(network.body.contains(#"<td class="num lots" dir="ltr">0.40</td>"#) && network.body.contains("<span>0.50 USD</span>"))
                let b = try await Self.signIn(client, "b")
                let bNetwork = try await b.get("/partners/network")
                #expect(bNetwork.body.contains(f.c.uuidString.lowercased()) && !bNetwork.body.contains(f.a.uuidString.lowercased()))
                #expect(bNetwork.body.contains("<span>0.40 USD</span>"), "B's level-2 line on C's client")
                let x = try await Self.signIn(client, "x")
                #expect(try await x.get("/partners/clients/\(f.c1.uuidString.lowercased())").status == .notFound)
                let xClients = try await x.get("/partners/clients")
                #expect(xClients.body.contains(f.c4.uuidString.lowercased()) && xClients.body.contains(f.c6.uuidString.lowercased()))
                #expect(!(try await x.get("/partners/statements").body.contains("1001")))
            }
        }
    }

    @Test("a Kite IB's cookie gets nothing on Aurora's host, and Aurora's gets nothing on Kite's")
    func crossBrand() async throws {
        try await TestEnv.with("ibbrand") { s in
            let f = try await Self.setUp(s)
            let kite = try #require(try await s.registry.tenant(slug: "kite"))
            _ = try await PartnerPortalFixture.make(s, tenant: kite)
            try await buildApplication(services: s).test(.router) { client in
                let kiteIB = FormClient(client, host: "kite.localhost")
                let login = try await kiteIB.post("/partners/login", ["email": PartnerPortalFixture.email("a", "kite"), "password": PartnerPortalFixture.password], csrfFrom: "/partners")
                #expect(login.status == .seeOther)
                #expect(try await kiteIB.get("/partners/dashboard").status == .ok)
                let onAurora = FormClient(client, host: "aurora.localhost")
                onAurora.cookies = kiteIB.cookies
                for path in ["/partners/dashboard", "/partners/clients", "/partners/statements/csv", "/partners/links/\(f.aLink.uuidString.lowercased())"] {
                    let page = try await onAurora.get(path)
                    #expect(page.status == .seeOther && page.headers[.location] == "/partners", "\(path) on Aurora with Kite's cookie")
                    #expect(!page.body.contains("11.81") && !page.body.contains("1001"))
                }
                let auroraIB = try await Self.signIn(client, "a")
                let onKite = FormClient(client, host: "kite.localhost")
                onKite.cookies = auroraIB.cookies
                #expect(try await onKite.get("/partners/dashboard").status == .seeOther)
            }
        }
    }

    @Test("creating a link: bad campaign or target is a 400 naming the field and writes nothing; a good one gets a code and a QR")
    func createLink() async throws {
        try await TestEnv.with("iblink") { s in
            let f = try await Self.setUp(s)
            try await buildApplication(services: s).test(.router) { client in
                let a = try await Self.signIn(client, "a")
                let before = try await Self.count(s, f, "SELECT count(*)::int FROM partner_links")
                let blank = try await a.post("/partners/links", ["campaign": "  ", "target": "register"])
                #expect(blank.status == .badRequest && blank.body.contains("Campaign: required"))
                let long = try await a.post("/partners/links", ["campaign": String(repeating: "c", count: 101), "target": "register"])
                #expect(long.status == .badRequest && long.body.contains("Campaign:"))
                let target = try await a.post("/partners/links", ["campaign": "Summer", "target": "casino"])
                #expect(target.status == .badRequest && target.body.contains("Target:"))
                let missing = try await a.post("/partners/links", ["campaign": "Summer"])
                #expect(missing.status == .badRequest && missing.body.contains("Target:"))
                #expect(try await Self.count(s, f, "SELECT count(*)::int FROM partner_links") == before)
                let ok = try await a.post("/partners/links", ["campaign": "Summer <b>promo</b>", "target": "sub_ib"])
                #expect(ok.status == .seeOther)
                let code = try await s.tenantDB.transaction(f.tenant.handle) { tx in
                    try await tx.query("SELECT code FROM partner_links WHERE partner_id = \(f.a) AND campaign = 'Summer <b>promo</b>' AND target = 'sub_ib'").collect().first?.decode(String.self)
                }
                let stored = try #require(code)
                #expect(stored.range(of: "^[A-Za-z0-9_-]{1,32}$", options: .regularExpression) != nil)
                let page = try await a.get("/partners/links")
                #expect(page.body.contains(#"id="link-\#(stored)""#) && page.body.contains("Summer &lt;b&gt;promo&lt;/b&gt;"))
                #expect(page.body.contains(#"value="http://aurora.localhost/r/\#(stored)""#))
                #expect(page.body.ranges(of: "<svg").count >= 2, "a QR code per link")
                let audit = try await Self.count(s, f, "SELECT count(*)::int FROM audit_log WHERE action = 'partner.link_created'")
                #expect(audit == 1)
                // A suspended IB: 403, nothing written.
                try await s.tenantDB.transaction(f.tenant.handle) { tx in try await tx.query("UPDATE partners SET status = 'suspended' WHERE id = \(f.x)") }
                let x = try await Self.signIn(client, "x")
                let links = try await Self.count(s, f, "SELECT count(*)::int FROM partner_links")
                let refused = try await x.post("/partners/links", ["campaign": "Late", "target": "register"])
                #expect(refused.status == .forbidden && refused.body.contains("suspended"))
                #expect(try await Self.count(s, f, "SELECT count(*)::int FROM partner_links") == links)
            }
        }
    }

    @Test("/r/<code> counts each click and follows the link's target")
    func clicks() async throws {
        try await TestEnv.with("ibclick") { s in
            let f = try await Self.setUp(s)
            try await s.tenantDB.transaction(f.tenant.handle) { tx in
                try await tx.query("INSERT INTO partner_links (partner_id, code, campaign, target) VALUES (\(f.a), 'landMe', 'land', 'landing'), (\(f.a), 'subMe', 'subs', 'sub_ib')")
            }
            try await buildApplication(services: s).test(.router) { client in
                let visitor = FormClient(client, host: "aurora.localhost")
                for _ in 0..<3 {
                    let r = try await visitor.get("/r/\(f.aLinkCode)")
                    #expect(r.status == .seeOther && r.headers[.location] == "/register")
                }
                #expect(visitor.cookies["atrium_ref"] == f.aLinkCode)
                let landing = try await FormClient(client, host: "aurora.localhost").get("/r/LANDME")
                #expect(landing.status == .seeOther && landing.headers[.location] == "/")
                let sub = FormClient(client, host: "aurora.localhost")
                let subReply = try await sub.get("/r/subMe")
                #expect(subReply.headers[.location] == "/partners/apply?parent=subMe" && sub.cookies["atrium_ref"] == "subMe")
                let unknown = try await FormClient(client, host: "aurora.localhost").get("/r/nobody")
                #expect(unknown.headers[.location] == "/register")
                // On another brand the same code is nobody's: Aurora's counter does not move.
                _ = try await FormClient(client, host: "kite.localhost").get("/r/\(f.aLinkCode)")
                let counts = try await s.tenantDB.transaction(f.tenant.handle) { tx in
                    try await tx.query("SELECT code, clicks FROM partner_links WHERE partner_id = \(f.a) ORDER BY code").collect().map { try $0.decode((String, Int).self) }
                }
                #expect(counts.map(\.0) == ["alphaDefault", "landMe", "subMe"] && counts.map(\.1) == [3, 1, 1])
                let a = try await Self.signIn(client, "a")
                #expect(try await a.get("/partners/links").body.contains(#"<dd class="clicks">3</dd>"#))
            }
        }
    }

    @Test("an IB turns on TOTP under /partners/security; the next sign-in asks for a code and lands in the portal")
    func totp() async throws {
        try await TestEnv.with("ibtotp") { s in
            _ = try await Self.setUp(s)
            try await buildApplication(services: s).test(.router) { client in
                let a = try await Self.signIn(client, "a")
                let setup = try await a.post("/partners/security/totp/setup", [:], csrfFrom: "/partners/security")
                #expect(setup.status == .ok && setup.body.contains("otpauth://totp/Aurora%20Markets:ib-a@aurora.test?secret="))
                #expect(setup.body.contains(#"action="/partners/security/totp/enable""#))
                let secretText = try #require(setup.body.firstMatch(of: /<code id="totp-secret">([A-Z2-7]+)<\/code>/)?.output.1)
                let secret = try #require(Base32.decode(String(secretText)))
                let now = Date()
                let wrong = try await a.post("/partners/security/totp/enable", ["code": "000000"], csrfFrom: "/partners/security")
                #expect(wrong.status == .unprocessableContent)
                let enabled = try await a.post("/partners/security/totp/enable", ["code": try #require(TOTP.code(secret: secret, time: now))], csrfFrom: "/partners/security")
                #expect(enabled.status == .ok && enabled.body.contains(#"id="recovery-codes""#))
                #expect(try await a.get("/partners/security").body.contains(#"data-enabled="yes""#))
                let device = FormClient(client, host: "aurora.localhost")
                let login = try await device.post("/partners/login", ["email": PartnerPortalFixture.email("a", "aurora"), "password": PartnerPortalFixture.password], csrfFrom: "/partners")
                #expect(login.status == .seeOther && login.headers[.location] == "/login/2fa")
                #expect(try await device.get("/partners/dashboard").status == .seeOther, "no portal before the second step")
                let second = try await device.post("/login/2fa", ["code": try #require(TOTP.code(secret: secret, time: now.addingTimeInterval(30)))], csrfFrom: "/login/2fa")
                #expect(second.status == .seeOther && second.headers[.location] == "/partners")
                #expect(try await device.get("/partners/dashboard").status == .ok)
            }
        }
    }

    @Test("with the brand's client_privacy: full, the IB sees its clients' names and emails")
    func fullPrivacy() async throws {
        try await TestEnv.with("ibprivacy") { s in
            let brands = try await PortalTests.applyDemoBrands(s)
            var aurora = try #require(brands.first { $0.slug.value == "aurora" })
            aurora.partners = .init(clientPrivacy: "full")
            _ = try await s.provisioning.apply(aurora, actor: "test")
            let f = try await PartnerPortalFixture.make(s, tenant: try #require(try await s.registry.tenant(slug: "aurora")))
            try await buildApplication(services: s).test(.router) { client in
                let a = try await Self.signIn(client, "a")
                let clients = try await a.get("/partners/clients")
                #expect(clients.body.contains(">Zed Client</a>") && clients.body.contains("zed.client@clients.test"))
                #expect(!clients.body.contains("Vera Client"), "X's client stays hidden")
                let one = try await a.get("/partners/clients/\(f.c1.uuidString.lowercased())")
                #expect(one.body.contains("zed.client@clients.test") && one.body.contains(#"<dd class="lots" dir="ltr">2.30</dd>"#))
            }
        }
    }
}
