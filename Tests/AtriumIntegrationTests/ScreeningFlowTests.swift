import AtriumCompliance
import AtriumCore
import AtriumHTTP
import AtriumStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Screening in the flow: hits at registration, profile change and KYC submission reach the KYC
/// queue with `sanctions_hit` and their explanation; false positives are remembered until the entry
/// changes. Serialized: some cases change the environment's current lists.
@Suite("Sanctions screening in the flow", .serialized, .timeLimit(.minutes(4)))
struct ScreeningFlowTests {
    @Test("a client whose name is listed (by alias) is held at registration: the queue shows sanctions_hit and the case explains the hit")
    func registrationHit() async throws {
        try await ScreeningFixture.with { e, client in
            // setup
            _ = try await ScreeningFixture.register(client, name: "Vitya Sanctionov", email: "vitya@aurora.test", country: "DE")
            _ = try await ScreeningFixture.register(client, name: "Pat Clean", email: "clean@aurora.test")
            let id = try await ScreeningFixture.userID(e.s, e.aurora, email: "vitya@aurora.test")
            // validate
            #expect(try await ScreeningFixture.count(e.s, e.aurora, """
                SELECT count(*)::int FROM screening_hits WHERE client_id = '\(id)' AND trigger = 'registration' AND status = 'open'
                  AND entry_ref = '9001' AND matched_name = 'Vitya Sanctionov' AND score = 0.99
                """) == 1)
            #expect(try await ScreeningFixture.count(e.s, e.aurora, """
                SELECT count(*)::int FROM users WHERE id = '\(id)' AND kyc_status = 'submitted' AND kyc_reasons = ARRAY['sanctions_hit']
                """) == 1)
            #expect(try await ScreeningFixture.count(e.s, e.aurora, """
                SELECT count(*)::int FROM screening_hits h JOIN users u ON u.id = h.client_id WHERE u.email = 'clean@aurora.test'
                """) == 0)
            let staff = try await ScreeningFixture.staff(client, "compliance")
            let queue = try await staff.get("/admin/kyc")
            #expect(queue.body.contains("vitya@aurora.test"))
            #expect(queue.body.contains("Sanctions list hit"))
            #expect(!queue.body.contains("clean@aurora.test"))
            let page = try await staff.get("/admin/kyc/\(id.uuidString.lowercased())")
            #expect(page.status == .ok)
            #expect(page.body.contains("Viktor Testovich Sanctionov"))
            #expect(page.body.contains("OFAC 9001"))
            #expect(page.body.contains(#"<dd class="hit-matched">Vitya Sanctionov <span class="small muted">(alias)</span>"#))
            #expect(page.body.contains(#"<dd class="hit-score">99.0% <span class="small muted">(Name score 97.0%)</span>"#))
            #expect(page.body.contains("<tr><td>sanctionov</td><td>sanctionov</td><td>100.0%</td><td><code>exact</code></td></tr>"))
            #expect(page.body.contains(#"<dd class="hit-country">+2.0 pts <span class="small muted">country listed</span>"#))
            #expect(page.body.contains(#"<dd class="hit-dob">+0.0 pts"#))
            #expect(page.body.contains("registration"))
        }
    }

    @Test("a profile change to a listed name is screened: the hit (trigger profile) reaches the queue; renaming back supersedes it")
    func profileChangeHit() async throws {
        try await ScreeningFixture.with { e, client in
            let web = try await ScreeningFixture.register(client, name: "Pat Renamer", email: "renamer@aurora.test")
            let id = try await ScreeningFixture.userID(e.s, e.aurora, email: "renamer@aurora.test")
            #expect(try await ScreeningFixture.hitIDs(e.s, e.aurora, client: id).isEmpty)
            var profile = KYCTests.profile
            profile["name"] = "Grigor PROFILECHANGE"
            // MUT
            let saved = try await web.post("/profile", profile, csrfFrom: "/profile")
            // validate
            #expect(saved.status == .seeOther)
            #expect(try await ScreeningFixture.count(e.s, e.aurora, """
                SELECT count(*)::int FROM screening_hits WHERE client_id = '\(id)' AND trigger = 'profile' AND status = 'open' AND entry_ref = '9007'
                """) == 1)
            #expect(try await ScreeningFixture.count(e.s, e.aurora, "SELECT count(*)::int FROM users WHERE id = '\(id)' AND 'sanctions_hit' = ANY(kyc_reasons) AND kyc_status = 'submitted'") == 1)
            let staff = try await ScreeningFixture.staff(client, "compliance")
            #expect(try await staff.get("/admin/kyc").body.contains("renamer@aurora.test"))
            profile["name"] = "Pat Renamer"
            _ = try await web.post("/profile", profile, csrfFrom: "/profile")
            #expect(try await ScreeningFixture.count(e.s, e.aurora, "SELECT count(*)::int FROM screening_hits WHERE client_id = '\(id)' AND status = 'superseded'") == 1)
            #expect(try await ScreeningFixture.hitIDs(e.s, e.aurora, client: id).isEmpty)
        }
    }

    @Test("a Back Office profile edit to a listed name is screened (trigger profile) and queues the client")
    func backOfficeEditHit() async throws {
        try await ScreeningFixture.with { e, client in
            _ = try await ScreeningFixture.register(client, name: "Pat Edited", email: "edited@aurora.test")
            let id = try await ScreeningFixture.userID(e.s, e.aurora, email: "edited@aurora.test")
            let admin = try await ScreeningFixture.staff(client, "super")
            // MUT
            let r = try await admin.post("/admin/clients/\(id.uuidString.lowercased())/profile", ["name": "Ivana Blocklistova", "country": "GB"], csrfFrom: "/admin")
            // validate
            #expect(r.status == .seeOther)
            #expect(try await ScreeningFixture.count(e.s, e.aurora, """
                SELECT count(*)::int FROM screening_hits WHERE client_id = '\(id)' AND trigger = 'profile' AND entry_ref = '9002' AND status = 'open'
                """) == 1)
            #expect(try await ScreeningFixture.count(e.s, e.aurora, "SELECT count(*)::int FROM users WHERE id = '\(id)' AND 'sanctions_hit' = ANY(kyc_reasons) AND kyc_status = 'submitted'") == 1)
        }
    }

    @Test("at KYC submission a hit turns Aurora's automatic approval into a review with sanctions_hit")
    func kycSubmissionHit() async throws {
        try await ScreeningFixture.with { e, client in
            let web = try await ScreeningFixture.register(client, name: "Pat Trader", email: "kychit@aurora.test")
            _ = try await web.post("/profile", KYCTests.profile, csrfFrom: "/profile")
            _ = try await KYCTests.upload(client, web, kind: "identity", name: "passport.png", bytes: Fixtures.png(salt: 91), declaredName: "ZOE TRADERS",
                                          declaredDOB: "1990-05-17")
            _ = try await KYCTests.upload(client, web, kind: "proof_of_address", name: "bill.pdf", bytes: Fixtures.pdf(pages: 9),
                                          issued: KYCTests.today(minusDays: 10))
            let id = try await ScreeningFixture.userID(e.s, e.aurora, email: "kychit@aurora.test")
            #expect(try await ScreeningFixture.hitIDs(e.s, e.aurora, client: id).isEmpty)
            // the list gains the client's name (a new version) before the submission
            e.lists.set(ScreeningEntries.base + [ScreeningEntries.entry("9100", "Zoe Traders", countries: ["GB"])])
            try await e.s.screening.reload()
            defer { e.lists.set(ScreeningEntries.base) }
            // MUT
            let submitted = try await web.post("/kyc/submit", [:], csrfFrom: "/kyc")
            try await e.s.screening.reload()
            // validate
            #expect(submitted.body.contains(#"data-status="submitted""#))
            #expect(!submitted.body.contains(#"data-status="approved""#))
            #expect(try await ScreeningFixture.count(e.s, e.aurora, """
                SELECT count(*)::int FROM users WHERE id = '\(id)' AND kyc_status = 'submitted' AND kyc_reasons = ARRAY['sanctions_hit']
                """) == 1)
            #expect(try await ScreeningFixture.count(e.s, e.aurora, "SELECT count(*)::int FROM screening_hits WHERE client_id = '\(id)' AND trigger = 'kyc' AND entry_ref = '9100'") == 1)
            #expect(try await ScreeningFixture.count(e.s, e.aurora, "SELECT count(*)::int FROM kyc_decisions WHERE user_id = '\(id)' AND outcome = 'review' AND reasons = ARRAY['sanctions_hit']") == 1)
            let staff = try await ScreeningFixture.staff(client, "compliance")
            let page = try await staff.get("/admin/kyc/\(id.uuidString.lowercased())")
            #expect(page.body.contains("KYC submission"))
            #expect(page.body.contains("Zoe Traders"))
        }
    }

    @Test("a false positive is remembered across rescreens until the entry's checksum changes, then the hit comes back")
    func falsePositiveRemembered() async throws {
        try await ScreeningFixture.with { e, client in
            let web = try await ScreeningFixture.register(client, name: "Dmitri Falsepositiv", email: "fp@aurora.test")
            let id = try await ScreeningFixture.userID(e.s, e.aurora, email: "fp@aurora.test")
            let hit = try #require(try await ScreeningFixture.hitIDs(e.s, e.aurora, client: id).first)
            let staff = try await ScreeningFixture.staff(client, "compliance")
            let caseURL = "/admin/kyc/\(id.uuidString.lowercased())"
            // MUT
            let r = try await staff.post("\(caseURL)/hits/\(hit.uuidString.lowercased())", ["decision": "false_positive"], csrfFrom: caseURL)
            // validate
            #expect(r.status == .seeOther)
            #expect(try await staff.get(caseURL + "?hit=false_positive").body.contains("Marked as a false positive"))
            #expect(try await ScreeningFixture.count(e.s, e.aurora, "SELECT count(*)::int FROM screening_hits WHERE id = '\(hit)' AND status = 'false_positive' AND decided_by LIKE 'staff:%'") == 1)
            #expect(try await ScreeningFixture.count(e.s, e.aurora, "SELECT count(*)::int FROM screening_dismissals WHERE client_id = '\(id)' AND entry_ref = '9004' AND entry_checksum = 'c1'") == 1)
            #expect(try await ScreeningFixture.count(e.s, e.aurora, "SELECT count(*)::int FROM audit_log WHERE action = 'screening.false_positive' AND subject = 'trader:\(id.uuidString.lowercased())'") == 1)
            #expect(try await ScreeningFixture.count(e.s, e.aurora, "SELECT count(*)::int FROM account_freezes WHERE client_id = '\(id)'") == 0)
            var profile = KYCTests.profile
            profile["name"] = "Dmitri Falsepositiv"
            _ = try await web.post("/profile", profile, csrfFrom: "/profile")
            #expect(try await ScreeningFixture.count(e.s, e.aurora, "SELECT count(*)::int FROM screening_hits WHERE client_id = '\(id)'") == 1)
            // the entry changes (new checksum): the hit is back
            e.lists.set(ScreeningEntries.base.map { $0.ref == "9004" ? ScreeningEntries.entry("9004", "Dmitri Falsepositiv", checksum: "c2") : $0 })
            try await e.s.screening.reload()
            defer { e.lists.set(ScreeningEntries.base) }
            _ = try await web.post("/profile", profile, csrfFrom: "/profile")
            try await e.s.screening.reload()
            #expect(try await ScreeningFixture.count(e.s, e.aurora, "SELECT count(*)::int FROM screening_hits WHERE client_id = '\(id)' AND status = 'open' AND entry_checksum = 'c2'") == 1)
        }
    }

    @Test("a rescreen after a list update finds a new hit, queues the client and records progress per brand")
    func rescreenAfterListUpdate() async throws {
        try await ScreeningFixture.with { e, client in
            _ = try await ScreeningFixture.register(client, name: "Lena Latecomer", email: "late@aurora.test")
            let id = try await ScreeningFixture.userID(e.s, e.aurora, email: "late@aurora.test")
            #expect(try await ScreeningFixture.hitIDs(e.s, e.aurora, client: id).isEmpty)
            let version = UUID()
            try await e.s.database.platform { conn in
                _ = try await conn.query("""
                    INSERT INTO platform.sanction_list_versions (id, source, loaded_by, entries, aliases, checksum, status)
                    VALUES (\(version), 'un', 'test', 1, 0, 'x', 'current')
                    """, logger: e.s.database.logger).collect()
            }
            e.lists.set(ScreeningEntries.base + [ScreeningEntries.entry("9200", "Lena Latecomer")])
            defer { e.lists.set(ScreeningEntries.base) }
            // MUT
            let queued = try await e.s.screening.rescreenAll(version: version, database: e.s.database, jobs: e.s.jobs)
            let jobs = try await e.s.database.platform { conn in
                try await conn.query("SELECT count(*)::int FROM platform.jobs WHERE kind = 'screening.rescreen' AND payload->>'version' = \(version.uuidString)",
                                     logger: e.s.database.logger).collect().first?.decode(Int.self) ?? -1
            }
            for brand in [e.aurora, e.meridian] {
                try await e.s.screening.rescreen(tenant: brand, version: version, threshold: 0.88, tenantDB: e.s.tenantDB, database: e.s.database, batchSize: 3)
            }
            try await e.s.screening.reload()
            // validate
            #expect(queued == 2)
            #expect(jobs == 2)
            #expect(try await ScreeningFixture.count(e.s, e.aurora, "SELECT count(*)::int FROM screening_hits WHERE client_id = '\(id)' AND trigger = 'rescreen' AND entry_ref = '9200'") == 1)
            #expect(try await ScreeningFixture.count(e.s, e.aurora, "SELECT count(*)::int FROM users WHERE id = '\(id)' AND 'sanctions_hit' = ANY(kyc_reasons)") == 1)
            let traders = try await ScreeningFixture.count(e.s, e.aurora, "SELECT count(*)::int FROM users WHERE audience = 'trader'")
            let withHits = try await ScreeningFixture.count(e.s, e.aurora, "SELECT count(DISTINCT client_id)::int FROM screening_hits WHERE status = 'open'")
            let run = try #require(try await Screening.runs(database: e.s.database).first { $0.version == version && $0.tenant == e.aurora.id })
            #expect(run.total == traders)
            #expect(run.done == traders)
            #expect(run.hits == withHits)
            #expect(run.finishedAt != nil)
            // a second call for the same version queues nothing
            #expect(try await e.s.screening.rescreenAll(version: version, database: e.s.database, jobs: e.s.jobs) == 0)
        }
    }
}
