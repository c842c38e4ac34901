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

/// Invitations are per audience: an IB's invitation (staff create an IB without a password)
/// must not open a Back Office session at `/admin/invite/:token`, and a staff invitation must
/// not open an IB session at `/partners/invite/:token`.
@Suite("IB invitations stay in their audience", .timeLimit(.minutes(3)))
struct PartnerInvitationTests {
    @Test("an IB's invitation token at /admin/invite is refused and opens no staff session")
    func ibTokenAtBackOffice() async throws {
        try await NetworkFixture.with { f, client in
            // setup: an invited IB user with an invitation, as staff creation leaves it
            let token = try await f.s.tenantDB.transaction(f.aurora.handle) { tx -> String in
                let user = try #require(try await Users.create(audience: .ib, email: "invited-ib@aurora.test", name: "Invited IB", passwordHash: nil,
                                                               status: "invited", in: tx))
                return try await Invitations.create(user: user, in: tx)
            }
            let web = FormClient(client, host: "aurora.localhost")
            // MUT
            let page = try await web.get("/admin/invite/\(token)")
            let post = try await web.post("/admin/invite/\(token)", ["password": "a-new-password-1", "password_confirm": "a-new-password-1"],
                                          csrfFrom: "/admin")
            // validate
            #expect(page.status == .gone)
            #expect(post.status == .gone)
            #expect(web.cookies[Audience.staff.cookieName] == nil)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'invited-ib@aurora.test'") == 0)
            #expect(try await f.count(f.aurora, "SELECT count(*)::int FROM users WHERE email = 'invited-ib@aurora.test' AND password_hash IS NULL") == 1)
        }
    }
}
