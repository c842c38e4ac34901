import AtriumHTTP
import AtriumIdentity
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// A client created or edited through the brand API is screened as the registration form and
/// the Back Office's profile edit screen them (the same code path, so the same hooks).
@Suite("Brand API: sanctions screening on create and profile change", .serialized, .timeLimit(.minutes(3)))
struct APIScreeningTests {
    @Test("POST /clients with a listed name records a registration hit; PATCH to a listed name records a profile hit; a clean client has none")
    func screening() async throws {
        try await ScreeningFixture.with { e, client in
            let key = try await APIResourceFixture.key(e.s, "aurora", [.clientsWrite])
            let listed = try await APIResourceFixture.call(client, .post, "/api/v1/clients", token: key,
                                                           body: ["email": "listed@api-screen.test", "name": "Ivana Blocklistova", "country": "GB"])
            #expect(listed.status == .created)
            let listedID = try #require(UUID(uuidString: listed.json["id"] as? String ?? ""))
            #expect(try await ScreeningFixture.hitIDs(e.s, e.aurora, client: listedID).count == 1)

            let clean = try await APIResourceFixture.call(client, .post, "/api/v1/clients", token: key,
                                                          body: ["email": "clean@api-screen.test", "name": "Clara Clean", "country": "GB"])
            let cleanID = try #require(UUID(uuidString: clean.json["id"] as? String ?? ""))
            #expect(try await ScreeningFixture.hitIDs(e.s, e.aurora, client: cleanID).isEmpty)

            let renamed = try await APIResourceFixture.call(client, .patch, "/api/v1/clients/\(cleanID)", token: key, body: ["name": "Grigor Profilechange"])
            #expect(renamed.status == .ok)
            #expect(try await ScreeningFixture.hitIDs(e.s, e.aurora, client: cleanID).count == 1)
        }
    }
}
