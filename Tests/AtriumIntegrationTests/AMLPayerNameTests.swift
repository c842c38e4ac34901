import AtriumCore
import AtriumHTTP
import AtriumPayments
import Foundation
import Testing

/// The payer name the PSP reports (Stripe's customer_details.name, typed on the sandbox's hosted
/// page) is stored on the deposit for the AML third-party-payer rule.
@Suite("PSP-reported payer names", .serialized, .timeLimit(.minutes(3)))
struct AMLPayerNameTests {
    @Test("the sandbox reports the card holder and the settled deposit stores it; without one the name stays empty")
    func storesPayer() async throws {
        try await TestEnv.with("amlpayer") { s in
            try await withLiveServer(s) { port in
                let f = try await PayFixture.make(s, port: port)
                let (named, url) = try await f.startCard("40.00")
                let reply = try await RawHTTP.send(url, body: RawHTTP.form(["outcome": "approve", "delivery": "on_time", "payer_name": "John Q. Smith"]))
                #expect(reply.status == 303)
                _ = try await f.waitFor(.succeeded, named)
                #expect(try await f.count("SELECT count(*)::int FROM payments WHERE id = '\(named)' AND payer_name = 'John Q. Smith'") == 1)

                let (plain, url2) = try await f.startCard("41.00")
                #expect(try await f.answer(url2, outcome: "approve").status == 303)
                _ = try await f.waitFor(.succeeded, plain)
                #expect(try await f.count("SELECT count(*)::int FROM payments WHERE id = '\(plain)' AND payer_name = ''") == 1)
            }
        }
    }
}
