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
}
