import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

/// `/admin/security/sessions`: a staff member's own live sessions, "this session" marked; any of
/// them revocable by id, someone else's never.
@Suite("Staff sessions", .timeLimit(.minutes(3)))
struct StaffSessionTests {
    static func sessionIDs(_ html: String) -> [String] {
        var out: [String] = []
        var rest = html[...]
        while let r = rest.range(of: #"data-session="[0-9a-f-]{36}""#, options: .regularExpression) {
            out.append(String(rest[r].dropFirst(14).dropLast()))
            rest = rest[r.upperBound...]
        }
        return out
    }

    @Test("the list shows each live session with this one marked; revoking another signs that browser out at once, audited")
    func listAndRevoke() async throws {
        try await StaffFixture.with { f, client in
            // setup: the same member on two browsers, and someone else
            let email = StaffFixture.email("two", f.aurora)
            let user = try await f.member(f.aurora, email, roles: [.support])
            let laptop = try await StaffFixture.signIn(client, f.aurora, email)
            let phone = try await StaffFixture.signIn(client, f.aurora, email)
            let otherEmail = StaffFixture.email("other", f.aurora)
            _ = try await f.member(f.aurora, otherEmail, roles: [.support])
            let other = try await StaffFixture.signIn(client, f.aurora, otherEmail)
            #expect(try await phone.get("/admin").status == .ok)
            // MUT / validate: the list
            let page = try await laptop.get("/admin/security/sessions")
            #expect(page.status == .ok)
            let ids = Self.sessionIDs(page.body)
            #expect(ids.count == 2)
            #expect(page.body.components(separatedBy: #"data-current="yes""#).count == 2)
            let token = try #require(laptop.cookies["atrium_staff"])
            let state = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in try await SessionList.touch(token: token, in: tx) }
            let current = try #require(state).session.uuidString.lowercased()
            #expect(page.body.contains(#"data-session="\#(current)" data-current="yes""#))
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM sessions WHERE user_id = '\(user)' AND last_seen_at IS NOT NULL") == 2)
            let phoneSession = try #require(ids.first { $0 != current })
            // someone else's session id is not theirs to revoke
            let otherSession = try #require(Self.sessionIDs(try await other.get("/admin/security/sessions").body).first)
            let foreign = try await laptop.post("/admin/security/sessions/\(otherSession)/revoke", [:], csrfFrom: "/admin/security/sessions")
            #expect(foreign.status == .notFound)
            #expect(StaffFixture.refusedField(foreign.body) == "session")
            #expect(try await other.get("/admin").status == .ok)
            // revoke the phone
            let revoked = try await laptop.post("/admin/security/sessions/\(phoneSession)/revoke", [:], csrfFrom: "/admin/security/sessions")
            #expect(revoked.status == .seeOther)
            #expect(try await phone.get("/admin/security/sessions").headers[.location] == "/admin")
            #expect(try await laptop.get("/admin/security/sessions").status == .ok)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM sessions WHERE user_id = '\(user)'") == 1)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM audit_log WHERE action = 'session.revoked' AND subject = 'session:\(phoneSession)'") == 1)
            // revoking this session signs out here
            let own = try await laptop.post("/admin/security/sessions/\(current)/revoke", [:], csrfFrom: "/admin/security/sessions")
            #expect(own.status == .seeOther)
            #expect(own.headers[.location] == "/admin")
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM sessions WHERE user_id = '\(user)'") == 0)
        }
    }

    @Test("last_seen_at is written at most once a minute per session")
    func touchThrottled() async throws {
        try await StaffFixture.with { f, client in
            // setup
            let email = StaffFixture.email("seen", f.aurora)
            let user = try await f.member(f.aurora, email, roles: [.support])
            let web = try await StaffFixture.signIn(client, f.aurora, email)
            _ = try await web.get("/admin")
            let stamp = "SELECT count(*)::int FROM sessions WHERE user_id = '\(user)' AND last_seen_at < now() - interval '5 minutes'"
            try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                try await tx.query("UPDATE sessions SET last_seen_at = now() - interval '30 seconds' WHERE user_id = \(user)")
            }
            // MUT: within the minute, no write
            _ = try await web.get("/admin")
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM sessions WHERE user_id = '\(user)' AND last_seen_at < now() - interval '20 seconds'") == 1)
            // after it, one
            try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                try await tx.query("UPDATE sessions SET last_seen_at = now() - interval '10 minutes' WHERE user_id = \(user)")
            }
            #expect(try await f.count(f.aurora, stamp) == 1)
            _ = try await web.get("/admin")
            #expect(try await f.count(f.aurora, stamp) == 0)
        }
    }
}
