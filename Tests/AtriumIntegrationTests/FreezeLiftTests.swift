import AtriumCompliance
import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import Foundation
import HummingbirdTesting
import PostgresNIO
import Testing

/// Lifting a freeze from the KYC case: `aml.review` only, a reason required, audited.
@Suite("Freeze lift: compliance lifts with a reason (audited); no reason is a 422 naming reason; without aml.review a 403", .serialized, .timeLimit(.minutes(3)))
struct FreezeLiftTests {
    @Test("Compliance lifts Orlo's freeze with a reason: no active freeze, one account.unfrozen entry; Support gets 403; an empty reason changes nothing")
    func liftFreeze() async throws {
        try await ScreeningFixture.with { e, client in
            // setup: a frozen client
            _ = try await ScreeningFixture.register(client, name: "Lifta Testfreeze", email: "lift@freeze.test")
            let id = try await ScreeningFixture.userID(e.s, e.aurora, email: "lift@freeze.test")
            try await e.s.tenantDB.transaction(e.aurora) { tx in
                _ = try await AccountFreezes.freeze(id, origin: .aml, reference: nil, reason: "case 7", actor: "test", in: tx)
            }
            let caseURL = "/admin/kyc/\(id.uuidString.lowercased())"
            let audit = "SELECT count(*)::int FROM audit_log WHERE action = 'account.unfrozen' AND subject = '\(id.uuidString.lowercased())'"

            // Support has no aml.review: 403, still frozen
            let support = try await ScreeningFixture.staff(client, "support")
            #expect(try await support.post("\(caseURL)/freeze/lift", ["reason": "looks fine"], csrfFrom: "/admin").status == .forbidden)

            let compliance = try await ScreeningFixture.staff(client, "compliance")
            let page = try await compliance.get(caseURL)
            #expect(page.body.contains("id=\"lift-freeze\""))
            // an empty reason: 422 naming reason, nothing changes
            let empty = try await compliance.post("\(caseURL)/freeze/lift", ["reason": "  "], csrfFrom: caseURL)
            #expect(empty.status == .unprocessableContent)
            #expect(empty.body.contains("data-field=\"reason\""))
            #expect(try await ScreeningFixture.count(e.s, e.aurora, audit) == 0)
            #expect(try await e.s.tenantDB.transaction(e.aurora) { tx in try await AccountFreezes.active(id, in: tx) } != nil)

            // MUT
            let lifted = try await compliance.post("\(caseURL)/freeze/lift", ["reason": "case 7 closed: funds explained"], csrfFrom: caseURL)
            // validate
            #expect(lifted.status == .seeOther)
            #expect(try await e.s.tenantDB.transaction(e.aurora) { tx in try await AccountFreezes.active(id, in: tx) } == nil)
            #expect(try await ScreeningFixture.count(e.s, e.aurora, audit) == 1)
            let after = try await compliance.get(caseURL + "?hit=lifted")
            #expect(!after.body.contains("id=\"account-frozen\""))
            #expect(after.body.contains("Freeze lifted."))
            // lifting again: there is no freeze to lift
            let again = try await compliance.post("\(caseURL)/freeze/lift", ["reason": "again"], csrfFrom: "/admin")
            #expect(again.status == .notFound, "\(again.body.prefix(300))")
        }
    }
}
