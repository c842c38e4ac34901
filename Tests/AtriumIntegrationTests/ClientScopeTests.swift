import AtriumCRM
import AtriumHTTP
import AtriumIdentity
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

/// A Sales agent (no `clients.all`) sees only the clients assigned to them: in the list, the CSV,
/// the client page and every write, all enforced in the queries.
@Suite("Client data scoping", .timeLimit(.minutes(3)))
struct ClientScopeTests {
    @Test("Sales sees exactly their 3 clients in list and CSV; the other agent's 2 and the unassigned 1 are absent and 404")
    func salesScope() async throws {
        try await ClientsFixture.with { f, client in
            // setup
            let p = ClientsFixture.prefix("scope")
            var mine: [UUID] = [], theirs: [UUID] = []
            for i in 0..<3 { mine.append(try await f.client("\(p)-mine\(i)@clients.test", agent: "sales@aurora.test")) }
            for i in 0..<2 { theirs.append(try await f.client("\(p)-theirs\(i)@clients.test", agent: ClientsFixture.otherSales)) }
            let nobody = try await f.client("\(p)-nobody@clients.test")
            let others = theirs + [nobody]
            let sales = try await ClientsFixture.signIn(client, .sales)
            let admin = try await ClientsFixture.signIn(client, .superAdmin)
            let lower = { (ids: [UUID]) in Set(ids.map { $0.uuidString.lowercased() }) }
            // MUT / validate: list and CSV
            let list = try await sales.get("/admin/clients?q=\(p)")
            #expect(Set(ClientsFixture.ids(list.body)) == lower(mine))
            let csv = try await sales.get("/admin/clients.csv?q=\(p)")
            #expect(ClientsFixture.csvIDs(csv.body).count == 3)
            #expect(Set(ClientsFixture.csvIDs(csv.body)) == lower(mine))
            for other in others { #expect(!csv.body.contains(other.uuidString.lowercased())) }
            // filtering by the other agent or searching their client's exact email finds nothing
            let otherAgent = try #require(f.staff[ClientsFixture.otherSales]).uuidString.lowercased()
            #expect(ClientsFixture.ids(try await sales.get("/admin/clients?agent=\(otherAgent)&q=\(p)").body).isEmpty)
            #expect(ClientsFixture.ids(try await sales.get("/admin/clients?q=\(p)-theirs0@clients.test").body).isEmpty)
            // the Super Admin sees all six
            #expect(Set(ClientsFixture.ids(try await admin.get("/admin/clients?q=\(p)").body)) == lower(mine + others))
            // pages and writes
            #expect(try await sales.get("/admin/clients/\(mine[0].uuidString.lowercased())").status == .ok)
            for other in others {
                let id = other.uuidString.lowercased()
                #expect(try await sales.get("/admin/clients/\(id)").status == .notFound)
                #expect(try await sales.post("/admin/clients/\(id)/notes", ["client_note": "hello"], csrfFrom: "/admin").status == .notFound)
                // even with input that would be refused, out of scope answers 404 first
                #expect(try await sales.post("/admin/clients/\(id)/notes", ["client_note": ""], csrfFrom: "/admin").status == .notFound)
                #expect(try await sales.post("/admin/clients/\(id)/profile", ["name": "Taken", "country": "DE"], csrfFrom: "/admin").status == .notFound)
            }
            let ids = others.map { "'\($0.uuidString.lowercased())'" }.joined(separator: ",")
            #expect(try await f.count(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM client_notes WHERE client_id IN (\(ids))")) == 0)
            #expect(try await f.count(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM users WHERE id IN (\(ids)) AND name = 'Taken'")) == 0)
            // an unknown id and a non-client (a staff member) are 404 as well
            #expect(try await admin.get("/admin/clients/\(UUID().uuidString.lowercased())").status == .notFound)
            #expect(try await admin.get("/admin/clients/\(try #require(f.staff["sales@aurora.test"]).uuidString.lowercased())").status == .notFound)
            #expect(try await admin.get("/admin/clients/not-a-uuid").status == .notFound)
        }
    }

    @Test("ClientSearch and ClientScope agree without HTTP: assigned scope counts 2, everyone counts 3")
    func queryLevel() async throws {
        let f = try await ClientsFixture.shared.value
        // setup
        let p = ClientsFixture.prefix("scopeq")
        let agent = try #require(f.staff[ClientsFixture.otherSales])
        let a = try await f.client("\(p)-1@clients.test", agent: ClientsFixture.otherSales)
        let b = try await f.client("\(p)-2@clients.test", agent: ClientsFixture.otherSales)
        let c = try await f.client("\(p)-3@clients.test", agent: "sales@aurora.test")
        // MUT
        let (assigned, everyone, allowed) = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
            (try await ClientSearch.page(ClientFilter(query: p), scope: .assigned(to: agent), in: tx).rows.map(\.id),
             try await ClientSearch.page(ClientFilter(query: p), scope: .everyone, in: tx).rows.map(\.id),
             try await ClientScope.assigned(to: agent).allows(c, in: tx))
        }
        // validate
        #expect(Set(assigned) == [a, b])
        #expect(Set(everyone) == [a, b, c])
        #expect(allowed == false)
    }
}
