import AtriumCRM
import AtriumHTTP
import AtriumIdentity
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

/// `/admin/clients` and its CSV: keyset pages without gaps or repeats, every filter, bad input
/// naming its field, and who may open it.
@Suite("Back Office client list", .timeLimit(.minutes(3)))
struct ClientListTests {
    @Test("55 clients, 20 a page: 20 + 20 + 15, each once, in (registered DESC, id DESC) order, ties included")
    func keysetPages() async throws {
        try await ClientsFixture.with { f, client in
            // setup: ten clients share one registration instant, so the id must break the tie
            let p = ClientsFixture.prefix("page")
            let base = Date(timeIntervalSince1970: 1_780_000_000.123456)
            var made: [(UUID, Date)] = []
            for i in 0..<55 {
                let at = i < 10 ? base : base.addingTimeInterval(Double(i) * 37.000001)
                made.append((try await f.client("\(p)-\(i)@clients.test", at: at), at))
            }
            let expected = made.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.uuidString.lowercased() > $1.0.uuidString.lowercased() }
                .map { $0.0.uuidString.lowercased() }
            let admin = try await ClientsFixture.signIn(client, .superAdmin)
            // MUT
            var seen: [String] = []
            var sizes: [Int] = []
            var path: String? = "/admin/clients?q=\(p)&size=20"
            while let next = path {
                let page = try await admin.get(next)
                #expect(page.status == .ok)
                let ids = ClientsFixture.ids(page.body)
                sizes.append(ids.count)
                seen += ids
                path = ClientsFixture.nextLink(page.body)
                if sizes.count > 5 { break }
            }
            // validate
            #expect(sizes == [20, 20, 15])
            #expect(seen == expected)
            #expect(Set(seen).count == 55)
        }
    }

    @Test("filters: KYC status, country, agent, IB, funded, registration dates, and search by login and referral code")
    func filters() async throws {
        try await ClientsFixture.with { f, client in
            // setup
            let p = ClientsFixture.prefix("flt")
            let a = try await f.client("\(p)-a@clients.test", country: "DE", kyc: "approved", at: try Self.day("2026-03-01"), agent: "sales@aurora.test")
            let b = try await f.client("\(p)-b@clients.test", country: "GB", kyc: "submitted", at: try Self.day("2026-03-05"), referral: "REF\(p)")
            let c = try await f.client("\(p)-c@clients.test", country: "DE", kyc: "submitted", at: try Self.day("2026-03-09"), agent: ClientsFixture.otherSales)
            try await f.deposit(a)
            try await f.deposit(b, status: "failed")
            let login = "\(Int.random(in: 100_000_000...999_999_999))"
            try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                try await tx.query("""
                    INSERT INTO trading_accounts (user_id, connection_id, login, kind, account_type, platform_group, currency, leverage, idempotency_key)
                    VALUES (\(c), 'mt5-demo', \(login), 'live', 'standard', 'real', 'USD', 100, \(p))
                    """)
            }
            let ib = try await Self.attribute(f, b, ibEmail: "\(p)-ib@partners.test", code: "IB\(p)")
            let admin = try await ClientsFixture.signIn(client, .superAdmin)
            let (ida, idb, idc) = (a.uuidString.lowercased(), b.uuidString.lowercased(), c.uuidString.lowercased())
            func ids(_ query: String) async throws -> Set<String> {
                let r = try await admin.get("/admin/clients?q=\(p)&\(query)")
                #expect(r.status == .ok, "\(query)")
                return Set(ClientsFixture.ids(r.body))
            }
            // MUT / validate
            #expect(try await ids("") == [ida, idb, idc])
            #expect(try await ids("kyc=submitted") == [idb, idc])
            #expect(try await ids("country=de") == [ida, idc])
            #expect(try await ids("agent=\(try #require(f.staff["sales@aurora.test"]).uuidString)") == [ida])
            #expect(try await ids("funded=yes") == [ida])
            #expect(try await ids("funded=no") == [idb, idc])
            #expect(try await ids("from=2026-03-04&to=2026-03-05") == [idb])
            #expect(try await ids("from=2026-03-06") == [idc])
            #expect(try await ids("ib=IB\(p)") == [idb])
            #expect(try await ids("ib=\(p)-ib@partners.test") == [idb])
            #expect(ib != nil)
            // the search text alone: platform login, referral code, IB code and IB email
            for (q, want) in [(login, idc), ("ref\(p)", idb), ("IB\(p)", idb), ("\(p)-ib@partners.test", idb)] {
                let r = try await admin.get("/admin/clients?q=\(q)")
                #expect(ClientsFixture.ids(r.body) == [want], "q=\(q)")
            }
        }
    }

    static func day(_ d: String) throws -> Date {
        try #require(ISO8601DateFormatter().date(from: "\(d)T12:00:00Z"))
    }

    /// Attributes `client` to a new IB with a referral link `code`; returns the partner id.
    static func attribute(_ f: ClientsFixture, _ client: UUID, ibEmail: String, code: String) async throws -> UUID? {
        try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
            let user = try #require(try await tx.query("INSERT INTO users (audience, email, name) VALUES ('ib', \(ibEmail), 'IB One') RETURNING id")
                .collect().first?.decode(UUID.self))
            let partner = try #require(try await tx.query("INSERT INTO partners (user_id, wallet_currency) VALUES (\(user), 'USD') RETURNING id")
                .collect().first?.decode(UUID.self))
            try await tx.query("INSERT INTO partner_links (partner_id, code, campaign, target, is_default) VALUES (\(partner), \(code), 'default', 'register', true)")
            try await tx.query("""
                INSERT INTO client_attributions (client_id, partner_id, effective_from, reason) VALUES (\(client), \(partner), now() - interval '1 day', 'registration')
                """)
            return partner
        }
    }

    @Test("bad input is a 400 naming the field, on the list and the CSV")
    func badInput() async throws {
        try await ClientsFixture.with { f, client in
            let admin = try await ClientsFixture.signIn(client, .superAdmin)
            let cases = [("after=not-a-cursor!", "after"), ("after=QUJD", "after"), ("from=2026-13-01", "from"), ("from=2026-02-30", "from"),
                         ("to=yesterday", "to"), ("from=2026-03-05&to=2026-03-01", "to"), ("country=Germany", "country"), ("country=1X", "country"),
                         ("kyc=maybe", "kyc"), ("funded=perhaps", "funded"), ("agent=bob", "agent"), ("size=0", "size"), ("size=5000", "size"),
                         ("q=" + String(repeating: "x", count: 101), "q")]
            for (query, field) in cases {
                let page = try await admin.get("/admin/clients?\(query)")
                #expect(page.status == .badRequest, "\(query)")
                #expect(page.body.contains(#"data-field="\#(field)""#), "\(query) names \(field)")
                #expect(ClientsFixture.ids(page.body).isEmpty, "\(query) lists nobody")
                let csv = try await admin.get("/admin/clients.csv?\(query)")
                #expect(csv.status == .badRequest, "csv \(query)")
                #expect(csv.body.hasPrefix("\(field):"), "csv \(query) names \(field)")
            }
        }
    }

    @Test("CSV: the whole filtered result across batches, injection-safe cells")
    func csvExport() async throws {
        try await ClientsFixture.with { f, client in
            // setup
            let p = ClientsFixture.prefix("csv")
            var made: Set<String> = []
            for i in 0..<23 {
                let name = i == 0 ? "=HYPERLINK(\"http://evil.test\")" : (i == 1 ? "+cmd" : (i == 2 ? "-2+3" : (i == 3 ? "@SUM(A1)" : "Plain \(i)")))
                made.insert(try await f.client("\(p)-\(i)@clients.test", name: name, at: Date().addingTimeInterval(Double(-i))).uuidString.lowercased())
            }
            let admin = try await ClientsFixture.signIn(client, .superAdmin)
            // MUT: batches of 10, so the stream crosses two batch boundaries
            let csv = try await admin.get("/admin/clients.csv?q=\(p)&size=10")
            // validate
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.body.hasPrefix(ClientCSV.header))
            let ids = ClientsFixture.csvIDs(csv.body)
            #expect(ids.count == 23)
            #expect(Set(ids) == made)
            #expect(csv.body.contains(#""'=HYPERLINK(""http://evil.test"")""#))
            #expect(csv.body.contains(#""'+cmd""#))
            #expect(csv.body.contains(#""'-2+3""#))
            #expect(csv.body.contains(#""'@SUM(A1)""#))
            #expect(!csv.body.contains(#","=HYPERLINK"#))
        }
    }

    @Test("every built-in role opens the list and the CSV; a role without clients.view gets 403; signed out goes to sign-in")
    func roles() async throws {
        try await ClientsFixture.with { f, client in
            // setup
            let p = ClientsFixture.prefix("role")
            let mine = try await f.client("\(p)-1@clients.test", agent: "sales@aurora.test")
            try await f.client("\(p)-2@clients.test")
            // MUT / validate
            for role in BuiltinRole.allCases {
                let web = try await ClientsFixture.signIn(client, role)
                let list = try await web.get("/admin/clients?q=\(p)")
                #expect(list.status == .ok, "\(role)")
                let csv = try await web.get("/admin/clients.csv?q=\(p)")
                #expect(csv.status == .ok, "\(role) csv")
                let expected = role == .sales ? 1 : 2
                #expect(ClientsFixture.ids(list.body).count == expected, "\(role) list")
                #expect(ClientsFixture.csvIDs(csv.body).count == expected, "\(role) csv")
                #expect(try await web.get("/admin").body.contains(#"href="/admin/clients""#), "\(role) nav")
            }
            // a custom role with only audit.view
            let email = "\(p)-auditor@aurora.test"
            try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                let hash = try await f.s.authenticator.hasher.hash(ClientsFixture.password)
                let user = try #require(try await Users.create(audience: .staff, email: email, name: "Auditor", passwordHash: hash, in: tx))
                let role = try #require(try await tx.query("INSERT INTO roles (name) VALUES (\("Auditor \(p)")) RETURNING id").collect().first?.decode(UUID.self))
                try await tx.query("INSERT INTO role_permissions (role_id, permission) VALUES (\(role), 'audit.view')")
                try await tx.query("INSERT INTO user_roles (user_id, role_id) VALUES (\(user), \(role))")
            }
            let auditor = try await ClientsFixture.signIn(client, email: email)
            for path in ["/admin/clients", "/admin/clients.csv", "/admin/clients/\(mine.uuidString.lowercased())"] {
                #expect(try await auditor.get(path).status == .forbidden, "\(path)")
            }
            #expect(!(try await auditor.get("/admin").body.contains(#"href="/admin/clients""#)))
            let visitor = FormClient(client, host: "aurora.localhost")
            #expect(try await visitor.get("/admin/clients").headers[.location] == "/admin")
        }
    }
}
