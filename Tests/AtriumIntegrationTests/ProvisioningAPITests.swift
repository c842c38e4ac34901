import AtriumBrandConfig
import AtriumCore
import AtriumHTTP
import AtriumStorage
import AtriumTenancy
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

/// The provisioning API end to end: create → status → suspend (the brand host answers 503) →
/// resume → export → delete; a brand made through it is the brand `atrium tenant apply` makes;
/// idempotency on the operator API (same key and body, different body, missing key, concurrent
/// duplicates); scopes and keys.
@Suite("Provisioning API: lifecycle, same brand as the CLI, idempotency, scopes", .serialized, .timeLimit(.minutes(5)))
struct ProvisioningAPITests {
    static let env = Task { () throws -> AppServices in try await TestEnv.started("provapi") }
    static let ops = "ops.localhost:8080"

    /// The kite brand file under another slug, as the JSON document the API takes.
    static func document(_ slug: String, name: String? = nil) throws -> (config: TenantConfig, json: Data) {
        var config = try TenantConfig.testBrand("kite")
        config.slug = try #require(Slug(slug))
        config.domains = ["\(slug).localhost"]
        if let name { config.name = name }
        return (config, Data(try config.canonicalJSON().utf8))
    }

    static func operatorKey(_ s: AppServices, _ scopes: [OperatorScope]) async throws -> String {
        try await OperatorAPIKeys.create(name: "prov-test", scopes: scopes, createdBy: "test", database: s.database).token
    }

    struct Answer: Sendable {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var pointers: [String] { (json["errors"] as? [[String: Any]] ?? []).compactMap { $0["pointer"] as? String } }
        var replayed: Bool { headers[HTTPField.Name("Idempotent-Replayed")!] == "true" }
    }

    static func call(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, token: String?,
                     idempotencyKey: String? = nil, body: Data? = nil, host: String = ops) async throws -> Answer {
        var headers: HTTPFields = [HTTPField.Name("Host")!: host]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if let idempotencyKey { headers[HTTPField.Name("Idempotency-Key")!] = idempotencyKey }
        if body != nil { headers[.contentType] = "application/json" }
        let r = try await client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) })
        return Answer(status: r.status, headers: r.headers, body: Data(buffer: r.body))
    }

    static func count(_ s: AppServices, _ sql: PostgresQuery) async throws -> Int {
        try await s.database.platform { conn in try await conn.query(sql, logger: s.database.logger).collect().first?.decode(Int.self) ?? -1 }
    }

    @Test("create → status → suspend (brand host 503) → resume → export → delete: wrong confirmation 422 at /confirm, then deleted; audited as the key")
    func lifecycle() async throws {
        let s = try await Self.env.value
        let write = try await Self.operatorKey(s, [.tenantsRead, .tenantsWrite])
        let keyID = try #require(try await OperatorAPIKeys.authenticate(token: write, database: s.database)).id
        let actor = "operator_key:\(keyID.uuidString.lowercased())"
        let doc = try Self.document("lifea")
        try await buildApplication(services: s).test(.router) { client in
            let created = try await Self.call(client, .post, "/api/platform/v1/tenants", token: write, idempotencyKey: "create-lifea", body: doc.json)
            #expect(created.status == .created)
            #expect(created.json["slug"] as? String == "lifea")
            #expect(created.json["status"] as? String == "active")
            #expect(created.json["schema_version"] as? Int == s.migrations.currentTenantVersion)
            #expect(created.json["domains"] as? [String] == ["lifea.localhost"])

            let status = try await Self.call(client, .get, "/api/platform/v1/tenants/lifea", token: write)
            #expect(status.status == .ok)
            #expect(status.json["name"] as? String == doc.config.name)

            let list = try await Self.call(client, .get, "/api/platform/v1/tenants?limit=100", token: write)
            #expect((list.json["data"] as? [[String: Any]] ?? []).compactMap { $0["slug"] as? String }.contains("lifea"))

            let suspended = try await Self.call(client, .post, "/api/platform/v1/tenants/lifea/suspend", token: write, idempotencyKey: "suspend-lifea")
            #expect(suspended.status == .ok)
            #expect(suspended.json["status"] as? String == "suspended")
            let portal = try await Self.call(client, .get, "/", token: nil, host: "lifea.localhost")
            #expect(portal.status == .serviceUnavailable)
            let brandAPI = try await Self.call(client, .get, "/api/v1/clients", token: nil, host: "lifea.localhost")
            #expect(brandAPI.status == .serviceUnavailable)
            #expect(brandAPI.headers[.contentType] == "application/problem+json")

            let resumed = try await Self.call(client, .post, "/api/platform/v1/tenants/lifea/resume", token: write, idempotencyKey: "resume-lifea")
            #expect(resumed.status == .ok)
            #expect(resumed.json["status"] as? String == "active")
            #expect(try await Self.call(client, .get, "/", token: nil, host: "lifea.localhost").status != .serviceUnavailable)

            // The export is the document `atrium tenant export` writes, and posting it back is the same brand (200, not a duplicate).
            let exported = try await Self.call(client, .get, "/api/platform/v1/tenants/lifea/export", token: write)
            #expect(exported.status == .ok)
            let cliYAML = try await s.provisioning.export(slug: "lifea")
            let fromCLI = try TenantConfig.parse(yaml: cliYAML, file: "cli")
            let fromAPI = try JSONDecoder().decode(TenantConfig.self, from: exported.body)
            #expect(try fromAPI.canonicalJSON() == fromCLI.canonicalJSON())
            #expect(exported.json["slug"] as? String == "lifea")
            let again = try await Self.call(client, .post, "/api/platform/v1/tenants", token: write, idempotencyKey: "create-lifea-again", body: exported.body)
            #expect(again.status == .ok)
            #expect(again.replayed == false)
            #expect(try await Self.count(s, "SELECT count(*)::int FROM platform.tenants WHERE slug = 'lifea'") == 1)

            let wrong = try await Self.call(client, .post, "/api/platform/v1/tenants/lifea/delete", token: write, idempotencyKey: "delete-lifea-1",
                                             body: Data(#"{"confirm":"lifeb"}"#.utf8))
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.pointers == ["/confirm"])
            #expect(try await Self.count(s, "SELECT count(*)::int FROM platform.tenants WHERE slug = 'lifea'") == 1)

            let deleted = try await Self.call(client, .post, "/api/platform/v1/tenants/lifea/delete", token: write, idempotencyKey: "delete-lifea-2",
                                               body: Data(#"{"confirm":"lifea"}"#.utf8))
            #expect(deleted.status == .ok)
            #expect((deleted.json["export_file"] as? String ?? "").hasPrefix("lifea-"))
            #expect(try await Self.count(s, "SELECT count(*)::int FROM platform.tenants WHERE slug = 'lifea'") == 0)
            #expect(try await Self.count(s, "SELECT count(*)::int FROM pg_namespace WHERE nspname = \(doc.config.slug.schemaName)") == 0)
            #expect(try await Self.call(client, .get, "/api/platform/v1/tenants/lifea", token: write).status == .notFound)
        }
        let actions = try await s.database.platform { conn in
            try await conn.query("SELECT action FROM platform.audit_log WHERE subject = 'lifea' AND actor = \(actor) ORDER BY seq", logger: s.database.logger)
                .collect().map { try $0.decode(String.self) }
        }
        #expect(actions == ["tenant.created", "tenant.suspended", "tenant.resumed", "tenant.exported", "tenant.deleted"])
    }

    @Test("a brand created through the API equals one from `atrium tenant apply`: registry row, domains, role, schema tables, schema version, config")
    func sameAsCLI() async throws {
        let s = try await Self.env.value
        let write = try await Self.operatorKey(s, [.tenantsRead, .tenantsWrite])
        let doc = try Self.document("twin")
        let viaAPI: Snapshot = try await buildApplication(services: s).test(.router) { client in
            let r = try await Self.call(client, .post, "/api/platform/v1/tenants", token: write, idempotencyKey: "twin-api", body: doc.json)
            #expect(r.status == .created)
            return try await Snapshot.take(s, "twin")
        }
        _ = try await s.provisioning.delete(slug: "twin", confirm: "twin", exportDirectory: s.config.home + "/exports", actor: "test")
        // What `atrium tenant apply tenants/twin.yaml` does: parse the file, then ProvisioningService.apply.
        let yaml = try doc.config.yaml()
        let parsed = try TenantConfig.parse(yaml: yaml, file: "tenants/twin.yaml")
        let r = try await s.provisioning.apply(parsed, actor: "cli:test")
        #expect(r.change == .created)
        let viaCLI = try await Snapshot.take(s, "twin")
        #expect(viaAPI.tenant == viaCLI.tenant)
        #expect(viaAPI.domains == viaCLI.domains)
        #expect(viaAPI.role == viaCLI.role)
        #expect(viaAPI.tables == viaCLI.tables)
        #expect(viaAPI.versions == viaCLI.versions)
        #expect(viaAPI.staffRoles == viaCLI.staffRoles)
        #expect(viaAPI.tables.contains("api_idempotency"))
        #expect(viaAPI.tenant.contains("\(s.migrations.currentTenantVersion)"))
    }

    /// What provisioning leaves behind for one brand, without ids and times.
    struct Snapshot: Sendable {
        var tenant: [String]
        var domains: [String]
        var role: [String]
        var tables: [String]
        var versions: [String]
        var staffRoles: [String]

        static func take(_ s: AppServices, _ slug: String) async throws -> Snapshot {
            let record = try #require(try await s.registry.tenant(slug: slug))
            let logger = s.database.logger
            let platform = try await s.database.platform { conn -> Snapshot in
                let tenant = try await conn.query("""
                    SELECT slug, name, schema_name, role_name, status, schema_version::text, config::text, config_checksum FROM platform.tenants WHERE slug = \(slug)
                    """, logger: logger).collect().first.map { try $0.decode((String, String, String, String, String, String, String, String).self) }
                let t = try #require(tenant)
                let domains = try await conn.query("""
                    SELECT d.domain FROM platform.tenant_domains d JOIN platform.tenants t ON t.id = d.tenant_id WHERE t.slug = \(slug) ORDER BY 1
                    """, logger: logger).collect().map { try $0.decode(String.self) }
                let role = try await conn.query("SELECT rolname, rolcanlogin::text, rolinherit::text FROM pg_roles WHERE rolname = \(t.3)", logger: logger)
                    .collect().map { try $0.decode((String, String, String).self) }.map { "\($0.0) login=\($0.1) inherit=\($0.2)" }
                let tables = try await conn.query("""
                    SELECT tablename::text FROM pg_tables WHERE schemaname = \(t.2) ORDER BY 1
                    """, logger: logger).collect().map { try $0.decode(String.self) }
                return Snapshot(tenant: [t.0, t.1, t.2, t.3, t.4, t.5, t.6, t.7], domains: domains, role: role, tables: tables, versions: [], staffRoles: [])
            }
            let (versions, roles) = try await s.tenantDB.transaction(record.handle) { tx in
                let v = try await tx.query("SELECT version::text, checksum, origin, config::text FROM brand_config_versions ORDER BY version").collect()
                    .map { try $0.decode((String, String, String, String).self) }.map { "\($0.0) \($0.1) \($0.2) \($0.3)" }
                let r = try await tx.query("SELECT name FROM roles ORDER BY name").collect().map { try $0.decode(String.self) }
                return (v, r)
            }
            var out = platform
            out.versions = versions
            out.staffRoles = roles
            return out
        }
    }

    @Test("idempotency: same key and body → the first answer again (replayed) and one brand; different body 422; missing key 400 naming Idempotency-Key")
    func idempotentCreate() async throws {
        let s = try await Self.env.value
        let write = try await Self.operatorKey(s, [.tenantsRead, .tenantsWrite])
        let keyID = try #require(try await OperatorAPIKeys.authenticate(token: write, database: s.database)).id
        let doc = try Self.document("idemp")
        let other = try Self.document("idemp", name: "Another name")
        try await buildApplication(services: s).test(.router) { client in
            let missing = try await Self.call(client, .post, "/api/platform/v1/tenants", token: write, body: doc.json)
            #expect(missing.status == .badRequest)
            #expect(missing.headers[.contentType] == "application/problem+json")
            #expect(missing.pointers == ["Idempotency-Key"])
            #expect(try await Self.count(s, "SELECT count(*)::int FROM platform.tenants WHERE slug = 'idemp'") == 0)

            let first = try await Self.call(client, .post, "/api/platform/v1/tenants", token: write, idempotencyKey: "k-1", body: doc.json)
            #expect(first.status == .created)
            #expect(first.replayed == false)
            let second = try await Self.call(client, .post, "/api/platform/v1/tenants", token: write, idempotencyKey: "k-1", body: doc.json)
            #expect(second.status == .created)
            #expect(second.replayed)
            #expect(second.body == first.body)
            #expect(second.headers[.contentType] == first.headers[.contentType])
            #expect(try await Self.count(s, "SELECT count(*)::int FROM platform.tenants WHERE slug = 'idemp'") == 1)
            #expect(try await Self.count(s, "SELECT count(*)::int FROM platform.audit_log WHERE subject = 'idemp' AND action = 'tenant.created'") == 1)
            #expect(try await Self.count(s, "SELECT count(*)::int FROM platform.operator_api_idempotency WHERE key_id = \(keyID)") == 1)

            let changed = try await Self.call(client, .post, "/api/platform/v1/tenants", token: write, idempotencyKey: "k-1", body: other.json)
            #expect(changed.status == .unprocessableContent)
            #expect(changed.pointers == ["Idempotency-Key"])
            #expect(try await s.registry.tenant(slug: "idemp")?.name == doc.config.name)

            // A different document for an existing slug under a new key: 409 naming /slug, the brand unchanged.
            let conflict = try await Self.call(client, .post, "/api/platform/v1/tenants", token: write, idempotencyKey: "k-2", body: other.json)
            #expect(conflict.status == .conflict)
            #expect(conflict.pointers == ["/slug"])
            #expect(try await s.registry.tenant(slug: "idemp")?.name == doc.config.name)

            let badKey = try await Self.call(client, .post, "/api/platform/v1/tenants", token: write, idempotencyKey: String(repeating: "x", count: 256), body: doc.json)
            #expect(badKey.status == .badRequest)
            #expect(badKey.pointers == ["Idempotency-Key"])
        }
    }

    @Test("concurrent duplicates: five requests with one key at once → the brand is created once, the rest replay or get 409")
    func concurrentDuplicates() async throws {
        let s = try await Self.env.value
        let write = try await Self.operatorKey(s, [.tenantsRead, .tenantsWrite])
        let doc = try Self.document("conc")
        let answers = try await buildApplication(services: s).test(.router) { client in
            try await withThrowingTaskGroup(of: Answer.self) { group in
                for _ in 0..<5 {
                    group.addTask { try await Self.call(client, .post, "/api/platform/v1/tenants", token: write, idempotencyKey: "same", body: doc.json) }
                }
                return try await group.reduce(into: [Answer]()) { $0.append($1) }
            }
        }
        let ran = answers.filter { $0.status == .created && !$0.replayed }
        #expect(ran.count == 1)
        #expect(answers.count == 5)
        #expect(answers.allSatisfy { $0.status == .created || $0.status == .conflict })
        #expect(answers.filter { $0.status == .conflict }.allSatisfy { $0.headers[.contentType] == "application/problem+json" })
        #expect(try await Self.count(s, "SELECT count(*)::int FROM platform.audit_log WHERE subject = 'conc' AND action = 'tenant.created'") == 1)
    }

    @Test("validation: an invalid document → 422 with JSON pointers (/admin/email, /branding/primary_color), nothing written")
    func invalidDocument() async throws {
        let s = try await Self.env.value
        let write = try await Self.operatorKey(s, [.tenantsWrite])
        var object = try #require(try JSONSerialization.jsonObject(with: try Self.document("badone").json) as? [String: Any])
        var admin = try #require(object["admin"] as? [String: Any])
        admin["email"] = "not-an-email"
        object["admin"] = admin
        var branding = try #require(object["branding"] as? [String: Any])
        branding["primary_color"] = "blue"
        object["branding"] = branding
        let body = try JSONSerialization.data(withJSONObject: object)
        try await buildApplication(services: s).test(.router) { client in
            let r = try await Self.call(client, .post, "/api/platform/v1/tenants", token: write, idempotencyKey: "bad-1", body: body)
            #expect(r.status == .unprocessableContent)
            #expect(Set(r.pointers) == ["/admin/email", "/branding/primary_color"])
            let secret = try await Self.call(client, .post, "/api/platform/v1/tenants", token: write, idempotencyKey: "bad-2",
                                             body: Data(#"{"slug":"badtwo","name":"B","domains":["b.localhost"],"api_token":"literal"}"#.utf8))
            #expect(secret.status == .unprocessableContent)
            #expect(secret.pointers.contains("/api_token"))
        }
        #expect(try await Self.count(s, "SELECT count(*)::int FROM platform.tenants WHERE slug IN ('badone', 'badtwo')") == 0)
    }

    @Test("keys: no key 401, a tenants:read key 403 naming tenants:write on every write, a brand key 401")
    func keysAndScopes() async throws {
        let s = try await Self.env.value
        let read = try await Self.operatorKey(s, [.tenantsRead])
        let doc = try Self.document("scoped")
        try await buildApplication(services: s).test(.router) { client in
            let none = try await Self.call(client, .post, "/api/platform/v1/tenants", token: nil, idempotencyKey: "n-1", body: doc.json)
            #expect(none.status == .unauthorized)
            #expect(none.headers[.contentType] == "application/problem+json")
            #expect(try await Self.call(client, .get, "/api/platform/v1/tenants", token: nil).status == .unauthorized)
            let create = try await Self.call(client, .post, "/api/platform/v1/tenants", token: read, idempotencyKey: "r-1", body: doc.json)
            #expect(create.status == .forbidden)
            #expect(create.json["scope"] as? String == "tenants:write")
            for path in ["/api/platform/v1/tenants/scoped/suspend", "/api/platform/v1/tenants/scoped/resume"] {
                let r = try await Self.call(client, .post, path, token: read, idempotencyKey: "r-\(path)")
                #expect(r.status == .forbidden)
                #expect(r.json["scope"] as? String == "tenants:write")
            }
            let delete = try await Self.call(client, .post, "/api/platform/v1/tenants/scoped/delete", token: read, idempotencyKey: "r-d",
                                              body: Data(#"{"confirm":"scoped"}"#.utf8))
            #expect(delete.status == .forbidden)
            #expect(delete.json["scope"] as? String == "tenants:write")
            #expect(try await Self.call(client, .get, "/api/platform/v1/tenants", token: read).status == .ok)
        }
        #expect(try await Self.count(s, "SELECT count(*)::int FROM platform.tenants WHERE slug = 'scoped'") == 0)
    }

    @Test("a revoked operator key answers 401 at once; revoking by shown prefix or id, a second revoke finds no live key")
    func revoke() async throws {
        let s = try await Self.env.value
        let made = try await OperatorAPIKeys.create(name: "to-revoke", scopes: [.tenantsRead], createdBy: "test", database: s.database)
        let other = try await OperatorAPIKeys.create(name: "stays", scopes: [.tenantsRead], createdBy: "test", database: s.database)
        try await buildApplication(services: s).test(.router) { client in
            #expect(try await Self.call(client, .get, "/api/platform/v1/tenants", token: made.token).status == .ok)
            let revoked = try await OperatorAPIKeys.revoke(made.key.prefix, database: s.database)
            #expect(revoked?.id == made.key.id)
            #expect(revoked?.revokedAt != nil)
            #expect(try await Self.call(client, .get, "/api/platform/v1/tenants", token: made.token).status == .unauthorized)
            #expect(try await Self.call(client, .get, "/api/platform/v1/tenants", token: other.token).status == .ok)
        }
        #expect(try await OperatorAPIKeys.revoke(made.key.id.uuidString, database: s.database) == nil)
        let listed = try await OperatorAPIKeys.list(database: s.database).filter { [made.key.id, other.key.id].contains($0.id) }
        #expect(listed.map(\.name).sorted() == ["stays", "to-revoke"])
        #expect(listed.filter { $0.revokedAt != nil }.map(\.name) == ["to-revoke"])
    }
}
