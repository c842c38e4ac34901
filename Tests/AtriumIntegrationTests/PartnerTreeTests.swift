import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumPartners
import AtriumStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

/// The IB hierarchy: effective-dated moves by staff, cycles refused by the database and named
/// on the `parent` field, and deep chains.
@Suite("IB tree", .timeLimit(.minutes(3)))
struct PartnerTreeTests {
    static func unique(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())@aurora.test" }

    /// A chain of `depth` IBs, each under the one before (made through the domain, effective now).
    static func chain(_ f: NetworkFixture, depth: Int) async throws -> [UUID] {
        var ids: [UUID] = []
        for i in 0..<depth {
            ids.append(try await f.makePartner(f.aurora, email: unique("chain\(i)"), parent: ids.last).partnerID)
        }
        return ids
    }

    @Test("a move that would make a cycle is a 422 naming the parent, and writes nothing")
    func cycleRefused() async throws {
        try await NetworkFixture.with { f, client in
            // setup: a → b → c
            let ids = try await Self.chain(f, depth: 3)
            let staff = try await NetworkFixture.staff(client, f.aurora, email: "sales@aurora.test")
            let top = ids[0].uuidString.lowercased()
            let edges = "SELECT count(*)::int FROM partner_parents WHERE partner_id IN ('\(ids[0])', '\(ids[1])', '\(ids[2])')"
            let today = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
            // MUT: the top under its grandchild, named by the grandchild's email
            let grandchild = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in try #require(try await PartnerDirectory.summary(ids[2], in: tx)) }
            let r = try await staff.post("/admin/partners/ib/\(top)/move", ["parent": grandchild.email, "effective_date": today, "note": "loop"], csrfFrom: "/admin")
            let itself = try await staff.post("/admin/partners/ib/\(top)/move", ["parent": grandchild.code, "effective_date": today], csrfFrom: "/admin")
            // validate
            #expect(r.status.code == 422)
            #expect(r.body.contains("Parent IB: this move would put the IB under itself (a cycle)"))
            #expect(itself.status.code == 422)
            #expect(try await f.count(f.aurora, edges) == 2)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM audit_log WHERE action = 'partner.parent.moved' AND subject = 'partner:\(top)'") == 0)
            // the database refuses it on its own too (AP001), whatever the code checks
            await #expect(throws: PartnerError.invalid(field: "parent", reason: .cycle)) {
                try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                    try await PartnerTree.move(ids[0], to: ids[2], effectiveFrom: Date(), note: "", by: UUID(), actor: "test", requestID: "", in: tx)
                }
            }
            let sqlState = await #expect(throws: (any Error).self) {
                try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                    try await tx.query("INSERT INTO partner_parents (partner_id, parent_id, effective_from) VALUES (\(ids[0]), \(ids[2]), now() + interval '1 day')")
                }
            }
            #expect(sqlState?.sqlState == "AP001")
        }
    }

    @Test("a move takes effect at its date: the old parent before, the new one after; top level works; audited")
    func effectiveDatedMove() async throws {
        try await NetworkFixture.with { f, client in
            // setup
            let a = try await f.makePartner(f.aurora, email: Self.unique("a"))
            let b = try await f.makePartner(f.aurora, email: Self.unique("b"))
            let child = try await f.makePartner(f.aurora, email: Self.unique("kid"), parent: a.partnerID)
            let staff = try await NetworkFixture.staff(client, f.aurora, email: "sales@aurora.test")
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let day = calendar.startOfDay(for: Date().addingTimeInterval(5 * 86_400))
            let later = calendar.startOfDay(for: Date().addingTimeInterval(9 * 86_400))
            let id = child.partnerID.uuidString.lowercased()
            // MUT: under b from `day`, top level from `later`
            let moved = try await staff.post("/admin/partners/ib/\(id)/move", ["parent": b.code, "effective_date": String(ISO8601DateFormatter().string(from: day).prefix(10)),
                                                                              "note": "restructure"], csrfFrom: "/admin")
            let topped = try await staff.post("/admin/partners/ib/\(id)/move", ["parent": "", "effective_date": String(ISO8601DateFormatter().string(from: later).prefix(10))],
                                              csrfFrom: "/admin")
            // validate
            #expect(moved.status == .seeOther)
            #expect(topped.status == .seeOther)
            let parents = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                (try await PartnerTree.parent(of: child.partnerID, at: day.addingTimeInterval(-1), in: tx),
                 try await PartnerTree.parent(of: child.partnerID, at: day, in: tx),
                 try await PartnerTree.parent(of: child.partnerID, at: later, in: tx),
                 try await PartnerTree.subtree(of: a.partnerID, in: tx).count,
                 try await PartnerTree.subtree(of: b.partnerID, at: day, in: tx).map(\.partnerID))
            }
            #expect(parents.0 == a.partnerID)
            #expect(parents.1 == b.partnerID)
            #expect(parents.2 == nil)
            #expect(parents.3 == 2)
            #expect(parents.4 == [b.partnerID, child.partnerID])
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM audit_log WHERE action = 'partner.parent.moved' AND subject = 'partner:\(id)'") == 2)
            let page = try await staff.get("/admin/partners/ib/\(id)")
            #expect(page.body.contains("restructure"))
        }
    }

    @Test("a chain six deep: the subtree walks all of it, partner_chain climbs all of it, and the top can move under another IB")
    func depthSix() async throws {
        try await NetworkFixture.with { f, client in
            // setup
            let ids = try await Self.chain(f, depth: 6)
            let other = try await f.makePartner(f.aurora, email: Self.unique("other"))
            // MUT
            let tree = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in try await PartnerTree.subtree(of: ids[0], in: tx) }
            let chain = try await f.s.tenantDB.transaction(f.aurora.handle) { tx -> [(Int, UUID)] in
                try await tx.query("SELECT level, partner_id FROM partner_chain(\(ids[5]), now(), 10) ORDER BY level").collect()
                    .map { try $0.decode((Int, UUID).self) }
            }
            try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                let staff = try #require(try await Users.find(audience: .staff, email: "sales@aurora.test", in: tx))
                try await PartnerTree.move(ids[0], to: other.partnerID, effectiveFrom: Date(), note: "", by: staff, actor: "test", requestID: "", in: tx)
            }
            // validate
            #expect(tree.map(\.partnerID) == ids)
            #expect(tree.map(\.depth) == [0, 1, 2, 3, 4, 5])
            #expect(chain.map(\.0) == [1, 2, 3, 4, 5, 6])
            #expect(chain.map(\.1) == ids.reversed())
            let moved = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in try await PartnerTree.subtree(of: other.partnerID, in: tx) }
            #expect(moved.count == 7)
            #expect(moved.last?.partnerID == ids[5])
            #expect(moved.last?.depth == 6)
            let staff = try await NetworkFixture.staff(client, f.aurora, email: "sales@aurora.test")
            let treePage = try await staff.get("/admin/partners/tree")
            #expect(treePage.status == .ok)
            #expect(treePage.body.contains(#"data-depth="6""#))
        }
    }
}
