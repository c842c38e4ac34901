import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation
import Testing

@Suite("Identity core", .timeLimit(.minutes(3)))
struct IdentityTests {
    @Test("login rotates the session: the token presented before login stops working")
    func sessionRotation() async throws {
        try await TestEnv.with("idrot") { s in
            let t = try await s.makeTenant("rot")
            let email = "admin@\(t.handle.slug).test"
            func login(replacing old: String?) async throws -> String {
                let r = try await s.tenantDB.transaction(t.handle) { tx in
                    try await s.authenticator.login(email: email, password: "admin-test-pass", audience: .staff, ip: "1.1.1.1", userAgent: "t",
                                                    replacing: old, requestID: "r", in: tx)
                }
                guard case .success(let token, _) = r else { throw InputError(field: "login", reason: "failed") }
                return token
            }
            let first = try await login(replacing: nil)
            let second = try await login(replacing: first)
            #expect(first != second)
            let (old, new) = try await s.tenantDB.transaction(t.handle) { tx in
                (try await Sessions.user(token: first, audience: .staff, in: tx), try await Sessions.user(token: second, audience: .staff, in: tx))
            }
            #expect(old == nil)
            #expect(new?.email == email)
            // A staff session is not a trader session.
            let asTrader = try await s.tenantDB.transaction(t.handle) { tx in try await Sessions.user(token: second, audience: .trader, in: tx) }
            #expect(asTrader == nil)
        }
    }

    @Test("five failed logins lock the account even for the right password")
    func rateLimiting() async throws {
        try await TestEnv.with("idrate") { s in
            let t = try await s.makeTenant("rate")
            let email = "admin@\(t.handle.slug).test"
            var results: [LoginResult] = []
            for password in ["bad1", "bad2", "bad3", "bad4", "bad5", "admin-test-pass"] {
                results.append(try await s.tenantDB.transaction(t.handle) { tx in
                    try await s.authenticator.login(email: email, password: password, audience: .staff, ip: "2.2.2.2", userAgent: "t",
                                                    replacing: nil, requestID: "r", in: tx)
                })
            }
            #expect(results.prefix(5).allSatisfy { $0 == .invalidCredentials })
            #expect(results.last == .locked)
            let failures = try await s.tenantDB.transaction(t.handle) { tx in
                try await tx.query("SELECT count(*) FROM audit_log WHERE action = 'login.failed'").collect().first?.decode(Int.self)
            }
            #expect(failures == 5)
        }
    }

    @Test("the RBAC roles are seeded per tenant with the expected separation of duties")
    func builtinRoles() async throws {
        try await TestEnv.with("idrbac") { s in
            let t = try await s.makeTenant("rbac")
            let roles = try await s.tenantDB.transaction(t.handle) { tx in
                try await tx.query("SELECT r.name, array_agg(p.permission ORDER BY p.permission) FROM roles r JOIN role_permissions p ON p.role_id = r.id GROUP BY r.name ORDER BY r.name")
                    .collect().map { try $0.decode((String, [String]).self) }
            }
            let map = Dictionary(uniqueKeysWithValues: roles)
            #expect(map.keys.sorted() == ["Compliance", "Finance", "Sales", "Super Admin", "Support"])
            #expect(map["Sales"]?.contains("finance.view") == false)
            #expect(map["Support"]?.contains("withdrawals.approve") == false)
            #expect(map["Finance"]?.contains("withdrawals.approve") == true)
            #expect(map["Super Admin"]?.count == Permission.allCases.count)
        }
    }
}
