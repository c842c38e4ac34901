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

/// Which IB a client belongs to: the first valid code at registration, then staff reassignments
/// from a date on.
@Suite("Client attribution", .timeLimit(.minutes(3)))
struct AttributionTests {
    static func unique(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())@aurora.test" }

    static func trader(_ f: NetworkFixture, _ email: String) async throws -> UUID {
        try await f.s.tenantDB.transaction(f.aurora.handle) { tx in try #require(try await Users.find(audience: .trader, email: email, in: tx)) }
    }

    @Test("registering through /r/<code> writes exactly one attribution; a later code changes nothing")
    func firstCodeWins() async throws {
        try await NetworkFixture.with { f, client in
            // setup
            let first = try await f.makePartner(f.aurora, email: Self.unique("ib-first"))
            let second = try await f.makePartner(f.aurora, email: Self.unique("ib-second"))
            let email = Self.unique("client")
            let web = FormClient(client, host: "aurora.localhost")
            #expect(try await web.get("/r/\(first.code.lowercased())").status == .seeOther)
            // MUT
            try await WalletRouteTests.register(web, email: email)
            // validate
            let clientID = try await Self.trader(f, email)
            let rows = "SELECT count(*)::int FROM client_attributions WHERE client_id = '\(clientID)'"
            #expect(try await f.count(f.aurora, rows) == 1)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM client_attributions a JOIN partner_links l ON l.id = a.link_id WHERE a.client_id = '\(clientID)' AND a.partner_id = '\(first.partnerID)' AND a.reason = 'registration' AND l.is_default") == 1)
            // a later code: the browser follows another IB's link and the client registers again
            // (the address is taken), and the registration hook runs again with the new code
            #expect(try await web.get("/r/\(second.code)").status == .seeOther)
            let retry = try await web.post("/register", ["name": "Pat Again", "email": email, "password": "long-enough-pass", "country": "GB",
                                                         "accept_terms": "yes"])
            #expect(retry.status == .ok)
            let again = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                try await Attribution.recordRegistration(client: clientID, code: second.code, in: tx)
            }
            #expect(again == nil)
            #expect(try await f.count(f.aurora, rows) == 1)
            let owner = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in try await Attribution.owner(of: clientID, in: tx) }
            #expect(owner == first.partnerID)
        }
    }

    @Test("an unknown code, a suspended IB's code and an IB's own trader account write no attribution")
    func invalidCodes() async throws {
        try await NetworkFixture.with { f, client in
            // setup
            let suspended = try await f.makePartner(f.aurora, email: Self.unique("ib-susp"))
            try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                try await tx.query("UPDATE partners SET status = 'suspended' WHERE id = \(suspended.partnerID)")
            }
            let ibEmail = Self.unique("ib-self")
            let own = try await f.makePartner(f.aurora, email: ibEmail)
            // MUT
            let unknown = FormClient(client, host: "aurora.localhost")
            _ = try await unknown.get("/register?ref=NOSUCHCODE1")
            let unknownEmail = Self.unique("c-unknown")
            try await WalletRouteTests.register(unknown, email: unknownEmail)
            let toSuspended = FormClient(client, host: "aurora.localhost")
            _ = try await toSuspended.get("/r/\(suspended.code)")
            let suspendedEmail = Self.unique("c-susp")
            try await WalletRouteTests.register(toSuspended, email: suspendedEmail)
            let selfReferral = FormClient(client, host: "aurora.localhost")
            _ = try await selfReferral.get("/r/\(own.code)")
            try await WalletRouteTests.register(selfReferral, email: ibEmail)
            // validate
            for email in [unknownEmail, suspendedEmail, ibEmail] {
                let id = try await Self.trader(f, email)
                #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM client_attributions WHERE client_id = '\(id)'") == 0, "\(email)")
                #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM users WHERE id = '\(id)' AND referral_code IS NOT NULL") == 1, "\(email) code kept")
            }
        }
    }

    @Test("staff reassign a client from a future date: the old IB owns it before, the new one from then on; audited")
    func reassignment() async throws {
        try await NetworkFixture.with { f, client in
            // setup
            let old = try await f.makePartner(f.aurora, email: Self.unique("ib-old"))
            let new = try await f.makePartner(f.aurora, email: Self.unique("ib-new"))
            let email = Self.unique("moving")
            let web = FormClient(client, host: "aurora.localhost")
            _ = try await web.get("/r/\(old.code)")
            try await WalletRouteTests.register(web, email: email)
            let clientID = try await Self.trader(f, email)
            let staff = try await NetworkFixture.staff(client, f.aurora, email: "sales@aurora.test")
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let day = calendar.startOfDay(for: Date().addingTimeInterval(10 * 86_400))
            let date = String(ISO8601DateFormatter().string(from: day).prefix(10))
            // MUT
            let r = try await staff.post("/admin/partners/ib/\(new.partnerID.uuidString.lowercased())/reassign",
                                         ["client": email, "effective_date": date, "note": "client asked"], csrfFrom: "/admin")
            // validate
            #expect(r.status == .seeOther)
            let owners = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                (try await Attribution.owner(of: clientID, at: day.addingTimeInterval(-1), in: tx),
                 try await Attribution.owner(of: clientID, at: day, in: tx),
                 try await Attribution.owner(of: clientID, at: day.addingTimeInterval(86_400), in: tx),
                 try await PartnerDirectory.clients(of: new.partnerID, at: day, in: tx).map(\.email),
                 try await PartnerDirectory.clients(of: old.partnerID, in: tx).map(\.email))
            }
            #expect(owners.0 == old.partnerID)
            #expect(owners.1 == new.partnerID)
            #expect(owners.2 == new.partnerID)
            #expect(owners.3 == [email])
            #expect(owners.4 == [email])
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM client_attributions WHERE client_id = '\(clientID)' AND reason = 'reassigned' AND note = 'client asked'") == 1)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM audit_log WHERE action = 'partner.client.reassigned' AND subject = 'client:\(clientID.uuidString.lowercased())' AND after->>'partner' = '\(new.partnerID.uuidString.lowercased())' AND before->>'partner' = '\(old.partnerID.uuidString.lowercased())'") == 1)
        }
    }

    @Test("a past date, an unknown client, the IB's own account or the current owner: a 4xx naming the field, nothing written")
    func reassignmentRefused() async throws {
        try await NetworkFixture.with { f, client in
            // setup
            let ibEmail = Self.unique("ib-r")
            let ib = try await f.makePartner(f.aurora, email: ibEmail)
            let web = FormClient(client, host: "aurora.localhost")
            _ = try await web.get("/r/\(ib.code)")
            let email = Self.unique("kept")
            try await WalletRouteTests.register(web, email: email)
            try await WalletRouteTests.register(FormClient(client, host: "aurora.localhost"), email: ibEmail)
            let staff = try await NetworkFixture.staff(client, f.aurora, email: "sales@aurora.test")
            let path = "/admin/partners/ib/\(ib.partnerID.uuidString.lowercased())/reassign"
            let today = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
            let rows = "SELECT count(*)::int FROM client_attributions a JOIN users u ON u.id = a.client_id WHERE u.email IN ('\(email)', '\(ibEmail)')"
            // MUT / validate
            let past = try await staff.post(path, ["client": email, "effective_date": "2020-01-01"], csrfFrom: "/admin")
            #expect(past.status.code == 422)
            #expect(past.body.contains("Effective date: cannot be in the past"))
            let bad = try await staff.post(path, ["client": email, "effective_date": "2031-02-30"], csrfFrom: "/admin")
            #expect(bad.status == .badRequest)
            #expect(bad.body.contains("Effective date: is not valid"))
            let unknown = try await staff.post(path, ["client": "nobody@aurora.test", "effective_date": today], csrfFrom: "/admin")
            #expect(unknown.status == .notFound)
            #expect(unknown.body.contains("Client (email): not found"))
            let own = try await staff.post(path, ["client": ibEmail, "effective_date": today], csrfFrom: "/admin")
            #expect(own.status.code == 422)
            #expect(own.body.contains("IB: an IB cannot be given its own trader account"))
            let same = try await staff.post(path, ["client": email, "effective_date": today], csrfFrom: "/admin")
            #expect(same.status.code == 422)
            #expect(same.body.contains("IB: already belongs to this IB at that date"))
            #expect(try await f.count(f.aurora, rows) == 1)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM audit_log WHERE action = 'partner.client.reassigned' AND after->>'partner' = '\(ib.partnerID.uuidString.lowercased())'") == 0)
        }
    }
}
