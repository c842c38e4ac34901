import AtriumBrandConfig
import AtriumCore
import AtriumHTTP
import AtriumStorage
import AtriumTenancy
import Foundation
import PostgresNIO
import Testing

@Suite("Provisioning", .timeLimit(.minutes(3)))
struct ProvisioningTests {
    static func yaml(slug: String, domain: String, secret: String = "env:PSP_SECRET") -> String {
        """
        slug: \(slug)
        name: Test Markets
        domains: [\(domain)]
        branding:
          primary_color: "#112233"
          accent_color: "#445566"
          legal_footer: Test Markets Ltd.
        locales: { default: en, available: [en, es] }
        admin: { email: admin@\(slug).test }
        kyc:
          blocked_countries: [US]
          jurisdictions:
            default: { required_documents: [identity], minimum_age: 18, auto_approve: true }
        psps:
          - { id: card, type: sandbox, currencies: [USD], webhook_secret: "\(secret)" }
        """
    }

    /// Counts what a tenant leaves behind: registry rows, schema, role.
    static func footprint(_ s: AppServices, slug: String) async throws -> (rows: Int, schemas: Int, roles: Int) {
        try await s.database.platform { conn in
            let rows = try await conn.query("SELECT count(*) FROM platform.tenants WHERE slug = \(slug)", logger: s.logger).collect().first?.decode(Int.self) ?? -1
            let schemas = try await conn.query("SELECT count(*) FROM pg_namespace WHERE nspname = \("tenant_" + slug)", logger: s.logger).collect().first?.decode(Int.self) ?? -1
            let roles = try await conn.query("SELECT count(*) FROM pg_roles WHERE rolname = \(s.config.rolePrefix + slug)", logger: s.logger).collect().first?.decode(Int.self) ?? -1
            return (rows, schemas, roles)
        }
    }

    @Test("apply is idempotent: the second run changes nothing")
    func applyTwice() async throws {
        try await TestEnv.with("prov") { s in
            let config = try TenantConfig.parse(yaml: Self.yaml(slug: "idem", domain: "idem.example.com"), file: "idem.yaml")
            let first = try await s.provisioning.apply(config, actor: "test")
            let second = try await s.provisioning.apply(config, actor: "test")
            #expect(first.change == .created)
            #expect(first.invitationLink?.hasPrefix("http://idem.example.com:0/admin/invite/") == true)
            #expect(second.change == .unchanged)
            #expect(second.invitationLink == nil)
            let record = try #require(try await s.registry.tenant(slug: "idem"))
            #expect(record.schemaVersion == s.migrations.currentTenantVersion)
            #expect(record.domains == ["idem.example.com"])
            let versions = try await s.tenantDB.transaction(record.handle) { tx in
                try await tx.query("SELECT count(*) FROM brand_config_versions").collect().first?.decode(Int.self)
            }
            #expect(versions == 1)
            var changed = config
            changed.name = "Renamed Markets"
            #expect(try await s.provisioning.apply(changed, actor: "test").change == .updated)
            #expect(try await s.registry.tenant(slug: "idem")?.name == "Renamed Markets")
        }
    }

    @Test("a duplicate domain is refused and leaves no schema, role or registry row")
    func duplicateDomainLeavesNothing() async throws {
        try await TestEnv.with("provdup") { s in
            _ = try await s.provisioning.apply(try TenantConfig.parse(yaml: Self.yaml(slug: "first", domain: "shared.example.com"), file: "a"), actor: "test")
            let clash = try TenantConfig.parse(yaml: Self.yaml(slug: "second", domain: "shared.example.com"), file: "b")
            await #expect(throws: ProvisioningError.domainTaken("shared.example.com")) {
                try await s.provisioning.apply(clash, actor: "test")
            }
            let left = try await Self.footprint(s, slug: "second")
            #expect(left.rows == 0 && left.schemas == 0 && left.roles == 0)
        }
    }

    @Test("a failing tenant migration rolls back the whole provisioning")
    func failingMigrationLeavesNothing() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-mig-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/tenant", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestCluster.repoRoot + "/migrations/platform", toPath: dir + "/platform")
        for f in try FileManager.default.contentsOfDirectory(atPath: TestCluster.repoRoot + "/migrations/tenant") {
            try FileManager.default.copyItem(atPath: TestCluster.repoRoot + "/migrations/tenant/" + f, toPath: dir + "/tenant/" + f)
        }
        try "CREATE TABLE broken (id int);\nSELECT no_such_function();\n".write(toFile: dir + "/tenant/9000_broken.sql", atomically: true, encoding: .utf8)
        try await TestEnv.with("provmig", migrations: dir) { s in
            let error = await #expect(throws: ProvisioningError.self) {
                try await s.provisioning.create(slug: "doomed", name: "Doomed", domains: ["doomed.example.com"], adminEmail: "a@doomed.test", actor: "test")
            }
            #expect("\(String(describing: error))".contains("9000_broken.sql"))
            let left = try await Self.footprint(s, slug: "doomed")
            #expect(left.rows == 0 && left.schemas == 0 && left.roles == 0)
        }
    }

    @Test("suspend keeps data and shows maintenance; delete needs confirmation and writes an export first")
    func lifecycle() async throws {
        try await TestEnv.with("provlife") { s in
            let t = try await s.makeTenant("life")
            let slug = t.handle.slug
            try await s.provisioning.setStatus(slug: slug, active: false, actor: "test")
            #expect(try await s.registry.tenant(slug: slug)?.status == "suspended")
            #expect(try await Self.footprint(s, slug: slug).schemas == 1)
            try await s.provisioning.setStatus(slug: slug, active: true, actor: "test")
            await #expect(throws: ProvisioningError.confirmationMismatch(expected: slug)) {
                try await s.provisioning.delete(slug: slug, confirm: "wrong", exportDirectory: s.config.home + "/exports", actor: "test")
            }
            let path = try await s.provisioning.delete(slug: slug, confirm: slug, exportDirectory: s.config.home + "/exports", actor: "test")
            let exported = try TenantConfig.parse(yaml: String(contentsOfFile: path, encoding: .utf8), file: path)
            #expect(exported.slug.value == slug)
            let left = try await Self.footprint(s, slug: slug)
            #expect(left.rows == 0 && left.schemas == 0 && left.roles == 0)
        }
    }

    @Test("a new invitation can be issued; unknown staff is refused")
    func reinvite() async throws {
        try await TestEnv.with("provinv") { s in
            let first = try await s.provisioning.create(slug: "inv", name: "Inv", domains: ["inv.example.com"], adminEmail: "boss@inv.test", actor: "test")
            let second = try await s.provisioning.invite(slug: "inv", actor: "test")
            #expect(second.hasPrefix("http://inv.example.com:0/admin/invite/"))
            #expect(second != first.invitationLink)
            await #expect(throws: ProvisioningError.notFound("staff member nobody@inv.test of inv")) {
                try await s.provisioning.invite(slug: "inv", email: "nobody@inv.test", actor: "test")
            }
            let record = try #require(try await s.registry.tenant(slug: "inv"))
            let (live, mails) = try await s.tenantDB.transaction(record.handle) { tx in
                (try await tx.query("SELECT count(*) FROM invitations WHERE used_at IS NULL AND expires_at > now()").collect().first?.decode(Int.self),
                 try await tx.query("SELECT count(*) FROM outbox WHERE to_address = 'boss@inv.test'").collect().first?.decode(Int.self))
            }
            #expect(live == 2 && mails == 2)
            // Setting the password retires every outstanding link.
            try await DemoSeed.setAdminPassword(slug: "inv", email: "boss@inv.test", password: "a-long-password", services: s)
            let stillLive = try await s.tenantDB.transaction(record.handle) { tx in
                try await tx.query("SELECT count(*) FROM invitations WHERE used_at IS NULL").collect().first?.decode(Int.self)
            }
            #expect(stillLive == 0)
        }
    }

    @Test("export round-trips: applying the exported YAML changes nothing")
    func exportRoundTrip() async throws {
        try await TestEnv.with("provexp") { s in
            let config = try TenantConfig.parse(yaml: Self.yaml(slug: "round", domain: "round.example.com"), file: "round.yaml")
            _ = try await s.provisioning.apply(config, actor: "test")
            let yaml = try await s.provisioning.export(slug: "round")
            #expect(yaml.contains("webhook_secret: env:PSP_SECRET"))
            let reparsed = try TenantConfig.parse(yaml: yaml, file: "export")
            #expect(reparsed == config)
            #expect(try await s.provisioning.apply(reparsed, actor: "test").change == .unchanged)
        }
    }

    @Test("the demo brands in tenants/ are valid and differ from each other")
    func demoBrandsAreValid() throws {
        let dir = TestCluster.repoRoot + "/tenants"
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".yaml") }.sorted()
        let configs = try files.map { try TenantConfig.parse(yaml: String(contentsOfFile: dir + "/" + $0, encoding: .utf8), file: $0) }
        #expect(configs.count >= 3)
        #expect(Set(configs.map(\.branding.primaryColor)).count == configs.count)
        #expect(Set(configs.map(\.locales.default)).count >= 2)
        #expect(Set(configs.compactMap { $0.psps?.map(\.id).sorted() }).count == configs.count)
    }
}
