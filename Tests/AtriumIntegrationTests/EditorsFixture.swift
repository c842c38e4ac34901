import AtriumBrandConfig
import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Aurora with one staff member per built-in role, for the brand settings editors' tests.
struct EditorsFixture: Sendable {
    let s: AppServices
    let aurora: TenantRecord

    /// Every built-in role's sign-in: Super Admin is the brand's admin.
    static let staff: [(role: BuiltinRole, email: String, password: String)] = [
        (.superAdmin, "admin@aurora.test", "admin-demo-pass"),
        (.compliance, "compliance@aurora.test", "compliance-pass-1"),
        (.finance, "finance@aurora.test", "finance-pass-12"),
        (.sales, "sales@aurora.test", "sales-pass-1234"),
        (.support, "support@aurora.test", "support-pass-12"),
    ]

    static func make(_ name: String, environment: [String: String] = [:]) async throws -> EditorsFixture {
        let s = try await TestEnv.started(name, environment: environment)
        try await TestEnv.applyBrands(["aurora"], to: s)
        for (role, email, password) in staff where role != .superAdmin {
            try await DemoSeed.upsertStaff(slug: "aurora", email: email, role: role, password: password, services: s)
        }
        guard let aurora = try await s.registry.tenant(slug: "aurora") else { throw SharedFixtureError.serverDidNotStart }
        return EditorsFixture(s: s, aurora: aurora)
    }

    /// Runs `body` with a router client signed in to Aurora's Back Office as `role`.
    func signedIn(_ role: BuiltinRole = .superAdmin, _ body: @Sendable (FormClient) async throws -> Void) async throws {
        let who = try #require(Self.staff.first { $0.role == role })
        try await buildApplication(services: s).test(.router) { client in
            let web = FormClient(client, host: "aurora.localhost")
            let login = try await web.post("/admin/login", ["email": who.email, "password": who.password], csrfFrom: "/admin")
            #expect(login.status == .seeOther, "\(role) signs in")
            try await body(web)
        }
    }

    /// The newest `brand_config_versions` row: version, origin, section.
    func latestVersion() async throws -> (version: Int, origin: String, section: String) {
        try await s.tenantDB.transaction(aurora.handle) { tx in
            let row = try #require(try await tx.query("SELECT version, origin, section FROM brand_config_versions ORDER BY version DESC LIMIT 1")
                .collect().first)
            return try row.decode((Int, String, String).self)
        }
    }

    /// The newest Back Office settings audit row of `section`: its before and after JSON.
    func latestAudit(section: String) async throws -> (before: String, after: String)? {
        try await s.tenantDB.transaction(aurora.handle) { tx in
            try await tx.query("""
                SELECT coalesce(before::text, ''), coalesce(after::text, '') FROM audit_log
                WHERE action = 'brand.settings.back_office' AND subject = \(section) ORDER BY seq DESC LIMIT 1
                """).collect().first?.decode((String, String).self)
        }
    }

    func assetCount() async throws -> Int {
        try await s.tenantDB.transaction(aurora.handle) { tx in
            try await tx.query("SELECT count(*)::int FROM brand_assets").collect().first?.decode(Int.self) ?? -1
        }
    }

    func config() async throws -> TenantConfig { try await s.brandSettings.current(slug: "aurora") }

    /// A PNG's signature and IHDR chunk (all the inspector reads), padded to `size` bytes.
    static func png(width: Int, height: Int, size: Int = 64) -> [UInt8] {
        func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        var b: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + be32(13) + Array("IHDR".utf8) + be32(width) + be32(height)
        b += [8, 6, 0, 0, 0, 0, 0, 0, 0]
        b += Array(repeating: 0, count: max(0, size - b.count))
        return b
    }

    /// Posts a multipart form with one file part `field`; the CSRF token comes from `csrfFrom`.
    static func upload(_ web: FormClient, _ path: String, field: String, fileName: String, contentType: String, bytes: [UInt8],
                       csrfFrom page: String) async throws -> (status: HTTPResponse.Status, body: String) {
        let token = FormClient.csrfToken(in: try await web.get(page).body)
        let boundary = "----editors\(UUID().uuidString.prefix(8))"
        var body: [UInt8] = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(token)\r\n".utf8)
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(fileName)\"\r\nContent-Type: \(contentType)\r\n\r\n".utf8)
        body += bytes
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        var headers: HTTPFields = [HTTPField.Name("Host")!: web.host, .contentType: "multipart/form-data; boundary=\(boundary)"]
        headers[.cookie] = web.cookieHeader
        let r = try await web.client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(bytes: body))
        return (r.status, String(buffer: r.body))
    }
}
