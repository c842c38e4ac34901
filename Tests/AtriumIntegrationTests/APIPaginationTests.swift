import AtriumBrandAPI
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Keyset pages: rows inserted while a caller pages through a list cause no gap and no repeat.
@Suite("Brand API: cursor pages while rows are inserted", .serialized, .timeLimit(.minutes(4)))
struct APIPaginationTests {
    typealias F = APIResourceFixture

    @Test("paging payments of one client 3 at a time while 2 new ones arrive after every page: every original payment exactly once, in created_at order")
    func noGapsNoRepeats() async throws {
        let s = try await F.env.value
        let id = try await F.trader(s, "aurora", email: "pages@api.test")
        let aurora = try await F.tenant(s, "aurora")
        @Sendable func insert(_ n: Int) async throws -> UUID {
            try await s.tenantDB.transaction(aurora.handle) { tx in
                try #require(try await tx.query("""
                    INSERT INTO payments (kind, user_id, psp_id, psp_type, currency, amount, status, reference, idempotency_key)
                    VALUES ('deposit', \(id), 'sandbox-card', 'sandbox', 'USD', \(Int64(n * 100)), 'succeeded', \("PAGE-\(UUID())"), \(UUID().uuidString))
                    RETURNING id
                    """).collect().first?.decode(UUID.self))
            }
        }
        var original: [UUID] = []
        for n in 1...10 { original.append(try await insert(n)) }   // one transaction each: distinct created_at
        let expected = original.reversed().map { $0.uuidString.lowercased() }
        let key = try await F.key(s, "aurora", [.paymentsRead])
        try await buildApplication(services: s).test(.router) { client in
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let r = try await F.call(client, .get, "/api/v1/payments?client_id=\(id)&limit=3" + (cursor.map { "&cursor=\($0)" } ?? ""), token: key)
                #expect(r.status == .ok)
                seen += r.data.compactMap { $0["id"] as? String }
                cursor = r.json["next_cursor"] as? String
                pages += 1
                // New rows land at the head of the list, before the cursor: they must not shift what comes next.
                _ = try await insert(100 + pages)
                _ = try await insert(200 + pages)
            } while cursor != nil && pages < 20
            #expect(seen == expected)
            #expect(Set(seen).count == seen.count)
            #expect(pages == 4)
        }
    }
}
