import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

/// Defect 3: NUL, invalid UTF-8 and control characters in any form field used to reach the
/// database (a NUL in the registration name was a 500). Every form must answer 400 naming the
/// field, and write nothing.
@Suite("Form fields refuse NUL, invalid UTF-8 and control characters", .timeLimit(.minutes(3)))
struct FormInputTests {
    /// Who sends a form.
    enum Sender { case anonymous, trader, staff, anonymousOperator, signedInOperator }

    /// One form of one portal: where it is posted, a valid filling, and the field that gets the bad value.
    struct Form: Sendable, CustomStringConvertible {
        let sender: Sender
        let path: String
        let page: String
        let fields: [String: String]
        let target: String
        /// What the 400 page must say to name the field (the English label, or the name when it has none).
        let label: String
        var description: String { "POST \(path) [\(target)]" }
    }

    static let payment = UUID().uuidString.lowercased()
    static let forms: [Form] = [
        Form(sender: .anonymous, path: "/register", page: "/register",
             fields: ["name": "Pat", "email": "new@aurora.test", "password": "long-enough-pass", "country": "GB", "accept_terms": "yes"],
             target: "name", label: "Full name"),
        Form(sender: .anonymous, path: "/register", page: "/register",
             fields: ["name": "Pat", "email": "new@aurora.test", "password": "long-enough-pass", "country": "GB", "accept_terms": "yes"],
             target: "email", label: "Email address"),
        Form(sender: .anonymous, path: "/login", page: "/login", fields: ["email": "pat@aurora.test", "password": "long-enough-pass"],
             target: "email", label: "Email address"),
        Form(sender: .anonymous, path: "/login", page: "/login", fields: ["email": "pat@aurora.test", "password": "long-enough-pass"],
             target: "password", label: "Password"),
        Form(sender: .anonymous, path: "/password/forgot", page: "/password/forgot", fields: ["email": "pat@aurora.test"],
             target: "email", label: "Email address"),
        Form(sender: .anonymous, path: "/partners/login", page: "/partners", fields: ["email": "ib@aurora.test", "password": "long-enough-pass"],
             target: "email", label: "Email address"),
        Form(sender: .anonymous, path: "/admin/login", page: "/admin", fields: ["email": "boss@aurora.test", "password": "staff-pass-123"],
             target: "email", label: "Email address"),
        Form(sender: .trader, path: "/profile", page: "/profile",
             fields: ["name": "Pat Trader", "date_of_birth": "1990-05-17", "address_line": "1 High St", "city": "London", "postal_code": "E1 6AN"],
             target: "city", label: "City"),
        Form(sender: .trader, path: "/wallet/deposit", page: "/wallet", fields: ["method": "bank_wire", "currency": "USD", "amount": "100", "idem": "k1"],
             target: "amount", label: "Amount"),
        Form(sender: .trader, path: "/wallet/withdraw", page: "/wallet", fields: ["method": "bank_wire", "currency": "USD", "amount": "10", "idem": "k2"],
             target: "method", label: "Method"),
        Form(sender: .trader, path: "/accounts/open", page: "/accounts/open", fields: ["type": "mt5/standard", "leverage": "100", "kind": "demo", "idem": "k3"],
             target: "kind", label: "kind"),
        Form(sender: .trader, path: "/security/totp/enable", page: "/security", fields: ["code": "123456"], target: "code", label: "Code"),
        Form(sender: .trader, path: "/kyc/submit", page: "/kyc", fields: ["confirm": "yes"], target: "confirm", label: "confirm"),
        Form(sender: .staff, path: "/admin/payments/\(payment)/reject", page: "/admin", fields: ["reason": "duplicate"], target: "reason", label: "Reason"),
        Form(sender: .staff, path: "/admin/kyc/{trader}/decide", page: "/admin", fields: ["outcome": "rejected", "note": "blurred"],
             target: "note", label: "note"),
        Form(sender: .staff, path: "/admin/payments/\(payment)/confirm", page: "/admin", fields: ["received": "100.00"],
             target: "received", label: "Amount received"),
        Form(sender: .anonymousOperator, path: "/login", page: "/", fields: ["email": "op@atrium.test", "password": "operator-pass-1"],
             target: "email", label: "Email address"),
        Form(sender: .signedInOperator, path: "/tenants", page: "/",
             fields: ["slug": "nova", "name": "Nova", "domains": "nova.localhost", "admin_email": "boss@nova.test"],
             target: "domains", label: "Domains"),
    ]

    /// Percent-encoded bad values: NUL, a lone 0xFF byte (invalid UTF-8), SOH, DEL, and line breaks and a tab in a one-line field.
    static let badValues = ["Pat%00", "Pat%FF", "%01Pat", "Pat%7F", "Pat%0D%0Ax", "Pat%0Ax", "Pat%09x"]

    /// Rows the forms could write, per table, plus the brand count (the console form creates brands).
    static func footprint(_ s: AppServices, _ tenant: TenantHandle) async throws -> [String: Int] {
        var out = try await s.tenantDB.transaction(tenant) { tx -> [String: Int] in
            var counts: [String: Int] = [:]
            for table in ["users", "sessions", "audit_log", "outbox", "payments", "kyc_documents", "kyc_decisions", "trading_accounts",
                          "email_tokens", "login_throttle", "login_challenges"] {
                counts[table] = try await tx.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(table)")).collect().first?.decode(Int.self) ?? -1
            }
            counts["profiles"] = try await tx.query("SELECT count(*)::int FROM users WHERE city <> ''").collect().first?.decode(Int.self) ?? -1
            return counts
        }
        out["brands"] = try await s.registry.all().count
        return out
    }

    @Test("every form answers 400 naming the field for NUL, %FF, C0 and DEL, and writes nothing")
    func everyForm() async throws {
        try await TestEnv.with("forminput") { s in
            _ = try await PortalTests.applyDemoBrands(s)
            let aurora = try #require(try await s.registry.tenant(slug: "aurora")).handle
            try await DemoSeed.upsertStaff(slug: "aurora", email: "boss@aurora.test", role: .superAdmin, password: "staff-pass-123", services: s)
            try await Operators.upsert(email: "op@atrium.test", password: "operator-pass-1", services: s)
            let app = buildApplication(services: s)
            try await app.test(.router) { client in
                // setup
                let trader = FormClient(client, host: "aurora.localhost")
                try await WalletRouteTests.register(trader, email: "pat@aurora.test")
                let traderID = try await s.tenantDB.transaction(aurora) { tx in
                    try #require(try await Users.find(audience: .trader, email: "pat@aurora.test", in: tx))
                }.uuidString.lowercased()
                let staff = FormClient(client, host: "aurora.localhost")
                #expect(try await staff.post("/admin/login", ["email": "boss@aurora.test", "password": "staff-pass-123"], csrfFrom: "/admin").status == .seeOther)
                let signedInOperator = FormClient(client, host: "ops.localhost:8080")
                #expect(try await signedInOperator.post("/login", ["email": "op@atrium.test", "password": "operator-pass-1"], csrfFrom: "/").status == .seeOther)

                for form in Self.forms {
                    for bad in Self.badValues {
                        let web: FormClient = switch form.sender {
                        case .anonymous: FormClient(client, host: "aurora.localhost")
                        case .trader: trader
                        case .staff: staff
                        case .anonymousOperator: FormClient(client, host: "ops.localhost:8080")
                        case .signedInOperator: signedInOperator
                        }
                        let token = FormClient.csrfToken(in: try await web.get(form.page).body)
                        let before = try await Self.footprint(s, aurora)
                        // MUT
                        var pairs = form.fields.map { ($0.key, $0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") }
                        pairs.removeAll { $0.0 == form.target }
                        pairs.append((form.target, bad))
                        pairs.append(("_csrf", token))
                        let reply = try await Self.postRaw(web, form.path.replacingOccurrences(of: "{trader}", with: traderID), body: pairs.map { "\($0.0)=\($0.1)" }.joined(separator: "&"))
                        // validate
                        #expect(reply.status == .badRequest, "\(form) = \(bad)")
                        #expect(reply.body.contains(form.label), "\(form) = \(bad) names \(form.label)")
                        #expect(try await Self.footprint(s, aurora) == before, "\(form) = \(bad) wrote nothing")
                    }
                }
            }
        }
    }

    @Test("the KYC upload's text fields refuse NUL, invalid UTF-8 and control characters, storing no document")
    func multipartFields() async throws {
        try await TestEnv.with("formmultipart") { s in
            _ = try await PortalTests.applyDemoBrands(s)
            let aurora = try #require(try await s.registry.tenant(slug: "aurora")).handle
            let app = buildApplication(services: s)
            try await app.test(.router) { client in
                // setup
                let web = FormClient(client, host: "aurora.localhost")
                try await WalletRouteTests.register(web, email: "kycbytes@aurora.test")
                for bad: [UInt8] in [[0x50, 0x00], [0x50, 0xFF], [0x01, 0x50], [0x50, 0x7F]] {
                    let token = FormClient.csrfToken(in: try await web.get("/kyc").body)
                    let boundary = "----atriumbytes"
                    var body: [UInt8] = []
                    for (name, value) in [("_csrf", Array(token.utf8)), ("kind", Array("identity".utf8)), ("declared_name", bad)] {
                        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n".utf8) + value + Array("\r\n".utf8)
                    }
                    body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"id.png\"\r\nContent-Type: image/png\r\n\r\n".utf8)
                    body += Fixtures.png() + Array("\r\n--\(boundary)--\r\n".utf8)
                    var headers: HTTPFields = [HTTPField.Name("Host")!: web.host, .contentType: "multipart/form-data; boundary=\(boundary)"]
                    headers[.cookie] = web.cookieHeader
                    // MUT
                    let reply = try await client.execute(uri: "/kyc/documents", method: .post, headers: headers, body: ByteBuffer(bytes: body))
                    // validate
                    #expect(reply.status == .badRequest, "\(bad)")
                    #expect(String(buffer: reply.body).contains("Name as written on the document"), "\(bad)")
                }
                #expect(try await KYCTests.count(s, aurora, "SELECT count(*)::int FROM kyc_documents") == 0)
            }
        }
    }

    @Test("query parameters with NUL, invalid UTF-8 or control characters answer 400 naming the parameter, never 500")
    func queryParameters() async throws {
        try await TestEnv.with("formquery") { s in
            _ = try await PortalTests.applyDemoBrands(s)
            let app = buildApplication(services: s)
            try await app.test(.router) { client in
                // setup
                let web = FormClient(client, host: "aurora.localhost")
                try await WalletRouteTests.register(web, email: "query@aurora.test")
                let cases = [("/?lang=en%00", "lang"), ("/register?ref=AB%FF", "ref"), ("/kyc?changed=%01", "changed"),
                             ("/accounts?done=x%7F", "done"), ("/internal/tls/ask?domain=aurora.localhost%00", "domain")]
                for (path, parameter) in cases {
                    // MUT
                    let reply = try await web.get(path)
                    // validate
                    #expect(reply.status == .badRequest, "\(path)")
                    #expect(reply.body.contains(parameter), "\(path) names \(parameter)")
                }
                #expect(try await web.get("/?lang=es").status == .ok)
            }
        }
    }

    /// POSTs an already encoded form body with the client's cookies.
    static func postRaw(_ web: FormClient, _ path: String, body: String) async throws -> (status: HTTPResponse.Status, body: String) {
        var headers: HTTPFields = [HTTPField.Name("Host")!: web.host, .contentType: "application/x-www-form-urlencoded"]
        if !web.cookies.isEmpty { headers[.cookie] = web.cookieHeader }
        let response = try await web.client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body))
        return (response.status, String(buffer: response.body))
    }
}
