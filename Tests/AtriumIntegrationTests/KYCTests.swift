import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumKYC
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

/// Small valid documents built in code.
enum Fixtures {
    static func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }

    static func png(width: Int = 640, height: Int = 480, salt: UInt8 = 0) -> [UInt8] {
        let ihdr = be32(width) + be32(height) + [8, 2, 0, 0, 0]
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        out += be32(13) + Array("IHDR".utf8) + ihdr + [0, 0, 0, 0]
        let data = [UInt8](repeating: salt, count: 200)
        out += be32(data.count) + Array("IDAT".utf8) + data + [0, 0, 0, 0]
        out += be32(0) + Array("IEND".utf8) + [0xAE, 0x42, 0x60, 0x82]
        return out
    }

    static func pdf(pages: Int = 1) -> [UInt8] {
        var text = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Count \(pages) >> endobj\n"
        for i in 0..<pages { text += "\(i + 3) 0 obj << /Type /Page /Parent 2 0 R >> endobj\n" }
        text += "trailer << /Root 1 0 R >>\n%%EOF\n"
        return Array(text.utf8)
    }

    /// A multipart/form-data body and its Content-Type.
    static func multipart(_ fields: [(String, String)], file: (name: String, bytes: [UInt8])?) -> ([UInt8], String) {
        let boundary = "----atriumtest\(UUID().uuidString.prefix(8))"
        var body: [UInt8] = []
        for (k, v) in fields {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n".utf8)
        }
        if let file {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(file.name)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
            body += file.bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return (body, "multipart/form-data; boundary=\(boundary)")
    }
}

@Suite("Profile, KYC documents and the Compliance queue", .timeLimit(.minutes(3)))
struct KYCTests {
    static func upload(_ client: any TestClientProtocol, _ web: FormClient, kind: String, name: String, bytes: [UInt8], declaredName: String = "",
                       declaredDOB: String = "", issued: String = "", csrf: Bool = true) async throws -> (status: HTTPResponse.Status, body: String) {
        let token = csrf ? FormClient.csrfToken(in: try await web.get("/kyc").body) : ""
        let (body, type) = Fixtures.multipart([("_csrf", token), ("kind", kind), ("declared_name", declaredName), ("declared_dob", declaredDOB),
                                               ("issued_on", issued)], file: (name, bytes))
        var headers: HTTPFields = [HTTPField.Name("Host")!: web.host, .contentType: type]
        headers[.cookie] = web.cookieHeader
        let response = try await client.execute(uri: "/kyc/documents", method: .post, headers: headers, body: ByteBuffer(bytes: body))
        return (response.status, String(buffer: response.body))
    }

    static func count(_ s: AppServices, _ t: TenantHandle, _ sql: String) async throws -> Int {
        try await s.tenantDB.transaction(t) { tx in try await tx.query(PostgresQuery(unsafeSQL: sql)).collect().first?.decode(Int.self) ?? -1 }
    }

    static func today(minusDays days: Int) -> String {
        ISO8601DateFormatter.string(from: Date().addingTimeInterval(Double(-days) * 86_400), timeZone: .gmt, formatOptions: [.withFullDate])
    }

    @Test("profile and upload forms refuse bad input with a 4xx naming the problem, and store nothing")
    func badInput() async throws {
        try await TestEnv.with("kycbad") { s in
            _ = try await PortalTests.applyDemoBrands(s)
            let aurora = try #require(try await s.registry.tenant(slug: "aurora")).handle
            let app = buildApplication(services: s)
            try await app.test(.router) { client in
                let web = FormClient(client, host: "aurora.localhost")
                try await WalletRouteTests.register(web, email: "kyc@aurora.test")
                let base = ["name": "Zoë Ñandú-Łukasz", "date_of_birth": "1990-05-17", "address_line": "1 High St", "city": "London", "postal_code": "E1 6AN"]
                for (field, value, message) in [("date_of_birth", "2023-02-30", "a real date"), ("date_of_birth", "2999-01-01", "a real date"),
                                                ("name", String(repeating: "x", count: 201), "at most 200"), ("city", "", "required")] {
                    var f = base
                    f[field] = value
                    let r = try await web.post("/profile", f, csrfFrom: "/profile")
                    #expect(r.status == .badRequest, "\(field)=\(value.prefix(20))")
                    #expect(r.body.contains(message), "\(field)")
                }
                #expect(try await web.post("/profile", base, csrf: false).status == .forbidden)
                #expect(try await web.post("/profile", base, csrfFrom: "/profile").status == .seeOther)
                #expect(try await web.get("/profile").body.contains("Zoë Ñandú-Łukasz"))

                let big = [UInt8](repeating: 0xFF, count: 10 * 1024 * 1024 + 10)
                let cases: [(String, [UInt8], HTTPResponse.Status, String)] = [
                    ("empty.png", [], .unprocessableContent, "empty"),
                    ("fake.png", Array("GIF89a not really".utf8) + [UInt8](repeating: 0, count: 200), .unsupportedMediaType, "JPEG, PNG or PDF"),
                    ("script.pdf", Array("<script>alert(1)</script>".utf8) + [UInt8](repeating: 32, count: 200), .unsupportedMediaType, "JPEG, PNG or PDF"),
                    ("huge.png", Fixtures.png(width: 10_000, height: 10_000), .unprocessableContent, "pixels"),
                    ("broken.pdf", Array("%PDF-1.4 no end".utf8) + [UInt8](repeating: 32, count: 200), .unprocessableContent, "damaged"),
                    ("big.jpg", big, .contentTooLarge, "10 MB"),
                ]
                for (name, bytes, status, message) in cases {
                    let r = try await Self.upload(client, web, kind: "identity", name: name, bytes: bytes)
                    #expect(r.status == status, "\(name)")
                    #expect(r.body.contains(message), "\(name) says \(message)")
                }
                #expect(try await Self.upload(client, web, kind: "identity", name: "ok.png", bytes: Fixtures.png(), csrf: false).status == .forbidden)
                #expect(try await Self.upload(client, web, kind: "passport", name: "ok.png", bytes: Fixtures.png()).status == .badRequest)
                #expect(try await Self.upload(client, web, kind: "identity", name: "ok.png", bytes: Fixtures.png(), issued: "2023-13-01").status == .badRequest)
                #expect(try await Self.count(s, aurora, "SELECT count(*)::int FROM kyc_documents") == 0)

                // a script in the file name is stored harmless
                let ok = try await Self.upload(client, web, kind: "identity", name: "<script>alert(1)</script>.png", bytes: Fixtures.png())
                #expect(ok.status == .seeOther)
                let stored = try await s.tenantDB.transaction(aurora) { tx in
                    try await tx.query("SELECT file_name, sealed FROM kyc_documents").collect().first!.decode((String, ByteBuffer).self)
                }
                #expect(!stored.0.contains("<") && !stored.0.contains(">"))
                // sealed at rest: the PNG signature is not in the stored bytes
                #expect(!Array(buffer: stored.1).starts(with: [0x89, 0x50, 0x4E, 0x47]))
                #expect(Array(buffer: stored.1).count == Fixtures.png().count + 28)
            }
        }
    }

    @Test("Aurora auto-approves a clean application; Meridian routes to the queue where Compliance approves; documents stay inside their brand")
    func decisions() async throws {
        try await TestEnv.with("kycflow") { s in
            _ = try await PortalTests.applyDemoBrands(s)
            let aurora = try #require(try await s.registry.tenant(slug: "aurora")).handle
            let meridian = try #require(try await s.registry.tenant(slug: "meridian")).handle
            try await DemoSeed.upsertStaff(slug: "meridian", email: "compliance@meridian.test", role: .compliance, password: "compliance-pass-1", services: s)
            try await DemoSeed.upsertStaff(slug: "aurora", email: "compliance@aurora.test", role: .compliance, password: "compliance-pass-1", services: s)
            let app = buildApplication(services: s)
            try await app.test(.router) { client in
                let profile = ["name": "Zoë Traders", "date_of_birth": "1990-05-17", "address_line": "1 High St", "city": "London", "postal_code": "E1 6AN"]
                // Aurora, GB: default jurisdiction, auto-approve
                let a = FormClient(client, host: "aurora.localhost")
                try await WalletRouteTests.register(a, email: "auto@aurora.test")
                _ = try await a.post("/profile", profile, csrfFrom: "/profile")
                #expect(try await a.get("/kyc").body.contains(#"data-kind="proof_of_address" data-done="no""#))
                _ = try await Self.upload(client, a, kind: "identity", name: "passport.png", bytes: Fixtures.png(salt: 1), declaredName: "ZOE TRADERS", declaredDOB: "1990-05-17")
                _ = try await Self.upload(client, a, kind: "proof_of_address", name: "bill.pdf", bytes: Fixtures.pdf(pages: 2), issued: Self.today(minusDays: 10))
                let submitted = try await a.post("/kyc/submit", [:], csrfFrom: "/kyc")
                #expect(submitted.body.contains(#"data-status="approved""#))
                #expect(try await a.get("/").body.contains(#"id="home-kyc-status" class="badge kyc-approved" data-status="approved""#))

                // Meridian, AE: manual review by policy; reuses Aurora's passport file (another brand: not a duplicate here)
                let m = FormClient(client, host: "meridian.localhost")
                let reg = try await m.post("/register", ["name": "Zoë Traders", "email": "rev@meridian.test", "password": "long-enough-pass", "country": "AE", "accept_terms": "yes"])
                #expect(reg.status == .seeOther)
                _ = try await m.post("/profile", profile, csrfFrom: "/profile")
                _ = try await Self.upload(client, m, kind: "identity", name: "passport.png", bytes: Fixtures.png(salt: 1), declaredName: "Zoë Traders", declaredDOB: "1990-05-17")
                _ = try await Self.upload(client, m, kind: "proof_of_address", name: "bill.pdf", bytes: Fixtures.pdf(), issued: Self.today(minusDays: 5))
                #expect(try await m.post("/kyc/submit", [:], csrfFrom: "/kyc").body.contains(#"data-status="submitted""#))
                #expect(try await Self.count(s, meridian, "SELECT count(*)::int FROM users WHERE 'duplicate_document' = ANY(kyc_reasons)") == 0)

                // Compliance sees the queue, opens the case and a document (audited), approves with the facts recorded
                let staff = FormClient(client, host: "meridian.localhost")
                _ = try await staff.get("/admin?lang=en")
                _ = try await staff.post("/admin/login", ["email": "compliance@meridian.test", "password": "compliance-pass-1"], csrfFrom: "/admin")
                let queue = try await staff.get("/admin/kyc")
                #expect(queue.body.contains("rev@meridian.test"))
                #expect(queue.body.contains("Jurisdiction requires a manual review"))
                let userID = try await s.tenantDB.transaction(meridian) { tx in try #require(try await Users.find(audience: .trader, email: "rev@meridian.test", in: tx)) }
                let docID = try await s.tenantDB.transaction(meridian) { tx in
                    try await tx.query("SELECT id FROM kyc_documents WHERE kind = 'identity'").collect().first!.decode(UUID.self)
                }
                let caseURL = "/admin/kyc/\(userID.uuidString.lowercased())"
                #expect(try await staff.get(caseURL).status == .ok)
                let file = try await staff.get("\(caseURL)/documents/\(docID.uuidString.lowercased())")
                #expect(file.status == .ok)
                #expect(file.headers[.contentType] == "image/png")
                #expect(Array(file.body.utf8).starts(with: [0xEF, 0xBF, 0xBD, 0x50, 0x4E, 0x47]) || file.body.contains("PNG"))
                #expect(try await Self.count(s, meridian, "SELECT count(*)::int FROM audit_log WHERE action = 'kyc.document_viewed'") == 1)
                let noReason = try await staff.post("\(caseURL)/decide", ["outcome": "rejected", "note": ""], csrfFrom: caseURL)
                #expect(noReason.status == .badRequest)
                let approved = try await staff.post("\(caseURL)/decide", ["outcome": "approved", "note": "documents match"], csrfFrom: caseURL)
                #expect(approved.headers[.location] == "/admin/kyc?done=approved")
                #expect(try await m.get("/kyc").body.contains(#"data-status="approved""#))
                let facts = try await s.tenantDB.transaction(meridian) { tx in
                    try await tx.query("SELECT facts::text FROM kyc_decisions WHERE actor LIKE 'staff:%'").collect().first!.decode(String.self)
                }
                #expect(facts.contains("manual_review_policy") && facts.contains("identity:"))
                #expect(try await staff.post("\(caseURL)/decide", ["outcome": "approved"], csrfFrom: "/admin").status == .conflict)

                // Aurora's compliance cannot open Meridian's client or document, even by id; a trader cannot reach the queue
                let other = FormClient(client, host: "aurora.localhost")
                _ = try await other.post("/admin/login", ["email": "compliance@aurora.test", "password": "compliance-pass-1"], csrfFrom: "/admin")
                #expect(try await other.get(caseURL).status == .notFound)
                #expect(try await other.get("\(caseURL)/documents/\(docID.uuidString.lowercased())").status == .notFound)
                #expect(try await a.get("/admin/kyc").status == .seeOther)

                // changing the birth date after approval sends the client back to review
                var changed = profile
                changed["date_of_birth"] = "1990-05-18"
                let back = try await a.post("/profile", changed, csrfFrom: "/profile")
                #expect(back.headers[.location] == "/kyc?changed=1")
                #expect(try await a.get("/kyc").body.contains(#"data-status="submitted""#))
                #expect(try await Self.count(s, aurora, "SELECT count(*)::int FROM audit_log WHERE action = 'trader.profile_updated'") == 2)

                // the same file from a second Aurora client raises the duplicate flag
                let b = FormClient(client, host: "aurora.localhost")
                try await WalletRouteTests.register(b, email: "copy@aurora.test")
                _ = try await b.post("/profile", profile, csrfFrom: "/profile")
                _ = try await Self.upload(client, b, kind: "identity", name: "same.png", bytes: Fixtures.png(salt: 1), declaredName: "Zoë Traders", declaredDOB: "1990-05-17")
                _ = try await Self.upload(client, b, kind: "proof_of_address", name: "bill2.pdf", bytes: Fixtures.pdf(pages: 3), issued: Self.today(minusDays: 3))
                #expect(try await b.post("/kyc/submit", [:], csrfFrom: "/kyc").body.contains(#"data-status="submitted""#))
                #expect(try await Self.count(s, aurora, "SELECT count(*)::int FROM users WHERE 'duplicate_document' = ANY(kyc_reasons)") == 1)
            }
        }
    }
}
