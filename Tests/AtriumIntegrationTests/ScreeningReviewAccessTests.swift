import AtriumCompliance
import AtriumCore
import AtriumHTTP
import AtriumStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Who may decide a screening hit (kyc.review holders only), and bad input: nothing changes.
@Suite("Screening hit decisions: roles and bad input", .timeLimit(.minutes(4)))
struct ScreeningReviewAccessTests {
    @Test("Finance, Sales and Support get 403 and change nothing; Super Admin reads the case; a bad decision is a 400 naming the field; Compliance decides")
    func builtInRoles() async throws {
        try await ScreeningFixture.with { e, client in
            _ = try await ScreeningFixture.register(client, name: "Nadia Rolecheck", email: "roles@aurora.test")
            let id = try await ScreeningFixture.userID(e.s, e.aurora, email: "roles@aurora.test")
            let hit = try #require(try await ScreeningFixture.hitIDs(e.s, e.aurora, client: id).first)
            let caseURL = "/admin/kyc/\(id.uuidString.lowercased())"
            let hitURL = "\(caseURL)/hits/\(hit.uuidString.lowercased())"
            for role in ["finance", "sales", "support"] {
                let staff = try await ScreeningFixture.staff(client, role)
                #expect(try await staff.get(caseURL).status == .forbidden, "\(role) reads the case")
                #expect(try await staff.post(hitURL, ["decision": "confirm"], csrfFrom: "/admin").status == .forbidden, "\(role) confirms")
            }
            #expect(try await ScreeningFixture.count(e.s, e.aurora, "SELECT count(*)::int FROM screening_hits WHERE id = '\(hit)' AND status = 'open'") == 1)
            #expect(try await ScreeningFixture.count(e.s, e.aurora, "SELECT count(*)::int FROM account_freezes WHERE client_id = '\(id)'") == 0)
            let admin = try await ScreeningFixture.staff(client, "super")
            #expect(try await admin.get(caseURL).body.contains(#"id="hit-confirm-\#(hit.uuidString.lowercased())""#))
            let bad = try await admin.post(hitURL, ["decision": "maybe"], csrfFrom: caseURL)
            #expect(bad.status == .badRequest)
            #expect(bad.body.contains("decision"))
            #expect(bad.body.contains("choose confirm or false positive"))
            #expect(try await ScreeningFixture.count(e.s, e.aurora, "SELECT count(*)::int FROM screening_hits WHERE id = '\(hit)' AND status = 'open'") == 1)
            let compliance = try await ScreeningFixture.staff(client, "compliance")
            #expect(try await compliance.post(hitURL, ["decision": "confirm"], csrfFrom: caseURL).status == .seeOther)
            #expect(try await ScreeningFixture.count(e.s, e.aurora, "SELECT count(*)::int FROM account_freezes WHERE client_id = '\(id)' AND reference = '\(hit)'") == 1)
            // decided once: a second decision is a 409 and changes nothing
            let again = try await admin.post(hitURL, ["decision": "false_positive"], csrfFrom: caseURL)
            #expect(again.status == .conflict)
            #expect(again.body.contains("already been decided"))
            #expect(try await ScreeningFixture.count(e.s, e.aurora, "SELECT count(*)::int FROM screening_dismissals WHERE client_id = '\(id)'") == 0)
        }
    }

    @Test("an unknown hit, a malformed id and another brand's client or hit get 404; nothing is frozen or dismissed")
    func unknownAndForeignHits() async throws {
        try await ScreeningFixture.with { e, client in
            _ = try await ScreeningFixture.register(client, name: "Kasimir Tenantcross", email: "cross@aurora.test")
            let id = try await ScreeningFixture.userID(e.s, e.aurora, email: "cross@aurora.test")
            let hit = try #require(try await ScreeningFixture.hitIDs(e.s, e.aurora, client: id).first)
            let caseURL = "/admin/kyc/\(id.uuidString.lowercased())"
            let compliance = try await ScreeningFixture.staff(client, "compliance")
            let unknown = try await compliance.post("\(caseURL)/hits/\(UUID().uuidString.lowercased())", ["decision": "confirm"], csrfFrom: caseURL)
            #expect(unknown.status == .notFound)
            #expect(unknown.body.contains("That screening hit was not found."))
            #expect(try await compliance.post("\(caseURL)/hits/not-a-uuid", ["decision": "confirm"], csrfFrom: caseURL).status == .notFound)
            // Meridian's Compliance officer names Aurora's client and hit: 404, and Aurora is unchanged.
            let meridian = try await ScreeningFixture.staff(client, "compliance", host: "meridian.localhost")
            let foreign = try await meridian.post("\(caseURL)/hits/\(hit.uuidString.lowercased())", ["decision": "confirm"], csrfFrom: "/admin/kyc")
            #expect(foreign.status == .notFound)
            #expect(try await meridian.get(caseURL).status == .notFound)
            #expect(try await ScreeningFixture.count(e.s, e.aurora, "SELECT count(*)::int FROM screening_hits WHERE id = '\(hit)' AND status = 'open'") == 1)
            #expect(try await ScreeningFixture.count(e.s, e.aurora, "SELECT count(*)::int FROM account_freezes WHERE client_id = '\(id)'") == 0)
            #expect(try await ScreeningFixture.count(e.s, e.meridian, "SELECT count(*)::int FROM account_freezes") == 0)
            #expect(try await ScreeningFixture.count(e.s, e.aurora, "SELECT count(*)::int FROM screening_dismissals WHERE client_id = '\(id)'") == 0)
        }
    }
}
